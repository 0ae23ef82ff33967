// Forked helper processes (sink, load generator) and request/reply over their IPC channel.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface Helper {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Sends `msg` (if any) and resolves with the next message of type `reply`. */
  ask<T>(msg: object | undefined, reply: string, timeoutMs?: number): Promise<T>;
  close(): void;
}

export function forkHelper(script: URL): Helper {
  // execArgv left empty: helpers get no profiler or other flags given to the runner.
  const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (child.pid === undefined) throw new Error(`could not fork ${script.pathname}`);
  const waiting = new Map<string, Array<(m: unknown) => void>>();
  const early = new Map<string, unknown[]>();
  const onExit = new Set<(code: number | null) => void>();
  child.on('exit', (code) => { for (const f of onExit) f(code); });
  child.on('message', (m: { type: string }) => {
    const queue = waiting.get(m.type);
    const resolve = queue?.shift();
    if (resolve) resolve(m);
    else early.set(m.type, [...(early.get(m.type) ?? []), m]);
  });
  return {
    child,
    pid: child.pid,
    ask<T>(msg: object | undefined, reply: string, timeoutMs = 60_000): Promise<T> {
      const p = new Promise<T>((resolve, reject) => {
        const pending = early.get(reply);
        if (pending?.length) { resolve(pending.shift() as T); return; }
        const died = (code: number | null): void => { clearTimeout(timer); reject(new Error(`${script.pathname} exited ${code}`)); };
        const timer = setTimeout(() => { onExit.delete(died); reject(new Error(`${script.pathname}: no '${reply}' within ${timeoutMs} ms`)); }, timeoutMs);
        const list = waiting.get(reply) ?? [];
        list.push((m) => { clearTimeout(timer); onExit.delete(died); resolve(m as T); });
        waiting.set(reply, list);
        onExit.add(died);
      });
      if (msg) child.send(msg);
      return p;
    },
    close() { if (child.connected) child.disconnect(); },
  };
}
