// `tpo collector --config FILE [--config FILE2 ...] [--drain-timeout 30s]` runs the collector;
// `tpo collector validate --config FILE` checks a config. Several --config files merge as upstream.
// `--drain-persistent-queues` sends what persistent queues left on disk and exits (drain.ts).
import { DEFAULT_DRAIN_QUEUES_TIMEOUT_MS, drainPersistentQueues } from './drain.ts';
import { tuneGarbageCollection } from './gc-tuning.ts';
import { drainTimeoutFrom, loadCollectorConfig, printIssues, runCollector } from './main.ts';
import { restoreTiering } from './startup-tiering.ts';

export const USAGE = `usage:
  tpo collector --config FILE [--config FILE ...] [--drain-timeout DURATION]
  tpo collector validate --config FILE [--config FILE ...]
  tpo collector --config FILE --drain-persistent-queues [--drain-timeout DURATION (default 10m)]
`;

interface Args {
  readonly validate: boolean;
  readonly drainQueues?: boolean;
  readonly configs: string[];
  readonly drainTimeout?: string;
}

export function parseCollectorArgs(argv: readonly string[]): Args | string {
  const configs: string[] = [];
  let drainTimeout: string | undefined;
  let validate = false;
  let drainQueues = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++index];
    if (index === 0 && arg === 'validate') validate = true;
    else if (flag === '--config' || flag === '-c') {
      const file = value();
      if (file === undefined || file === '') return `${flag} needs a file`;
      configs.push(file);
    } else if (flag === '--drain-persistent-queues' && inline === undefined) drainQueues = true;
    else if (flag === '--drain-timeout') {
      drainTimeout = value();
      if (drainTimeout === undefined) return '--drain-timeout needs a duration';
    } else return `unknown ${arg.startsWith('-') ? 'option' : 'argument'} "${arg}"`;
  }
  if (configs.length === 0) return 'missing --config FILE';
  if (validate && drainQueues) return '--drain-persistent-queues does not go with validate';
  return { validate, configs, ...(drainQueues ? { drainQueues } : {}), ...(drainTimeout === undefined ? {} : { drainTimeout }) };
}

export async function runCollectorCommand(argv: readonly string[]): Promise<number> {
  const args = parseCollectorArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`tpo collector: ${args}\n${USAGE}`);
    return 2;
  }
  if (args.validate) {
    const loaded = await loadCollectorConfig(args.configs);
    if (!loaded.config) {
      printIssues(loaded.issues);
      return 1;
    }
    process.stdout.write('config is valid\n');
    return 0;
  }
  tuneGarbageCollection(); // before the first request buffer; see gc-tuning.ts
  if (args.drainQueues) {
    restoreTiering(); // sends data from here on
    const timeoutText = args.drainTimeout ?? '10m';
    const timeoutMs = args.drainTimeout === undefined ? DEFAULT_DRAIN_QUEUES_TIMEOUT_MS : drainTimeoutFrom(args.drainTimeout);
    if (typeof timeoutMs === 'string') {
      process.stderr.write(`error: ${timeoutMs}\n`);
      return 2;
    }
    process.exit(await drainPersistentQueues({ configPaths: args.configs, timeoutMs, timeoutText }));
  }
  const drainTimeoutMs = drainTimeoutFrom(args.drainTimeout ?? process.env.COLLECTOR_DRAIN_TIMEOUT);
  if (typeof drainTimeoutMs === 'string') {
    process.stderr.write(`error: ${drainTimeoutMs}\n`);
    return 2;
  }
  const code = await runCollector({ configPaths: args.configs, drainTimeoutMs });
  // Stopped and drained: leftover handles (client keep-alive sockets, timers) must not hold the process.
  process.exit(code);
}
