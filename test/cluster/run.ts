// Running a build tool to completion with its output kept in a log file (the Go builds print a lot).
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';

export type RunOptions = { cwd: string; env?: NodeJS.ProcessEnv; logFile: string };

/** Runs `cmd args` and resolves with its stdout; rejects with the log's tail when it exits non-zero. */
export async function run(cmd: string, args: string[], opts: RunOptions): Promise<string> {
  const log = await open(opts.logFile, 'a');
  try {
    await log.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    const stdout: Buffer[] = [];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => { stdout.push(chunk); void log.write(chunk); });
      child.stderr.on('data', (chunk: Buffer) => void log.write(chunk));
      child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
      child.on('close', (exitCode) => resolve(exitCode ?? 1));
    });
    if (code !== 0) {
      const tail = (await readFile(opts.logFile, 'utf8')).split('\n').slice(-30).join('\n');
      throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} ... exited with ${code} (log: ${opts.logFile})\n${tail}`);
    }
    return Buffer.concat(stdout).toString('utf8');
  } finally {
    await log.close();
  }
}
