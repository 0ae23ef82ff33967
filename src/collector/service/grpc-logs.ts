// grpc-js prints its own diagnostics to stderr as plain text ("E No address added ..."): make them JSON lines of
// the collector's log. grpc-js is loaded only with the gRPC receiver or exporter (component-loaders.ts), so the
// log is set here by the collector and grpc-js by those modules when they load, in either order.
import type { setLogger } from '@grpc/grpc-js';
import type { Logger } from 'pino';

let logger: Logger | undefined;
let setGrpcLogger: typeof setLogger | undefined;

/** The collector's log, for grpc-js' lines. */
export function routeGrpcLogs(root: Logger): void {
  logger = root.child({ component: 'grpc-js' });
  apply();
}

/** Called by the modules that load grpc-js. */
export function grpcLoaded(set: typeof setLogger): void {
  setGrpcLogger = set;
  apply();
}

function apply(): void {
  const log = logger;
  if (!log || !setGrpcLogger) return;
  const text = (args: unknown[]) => args.map(String).join(' ');
  // Its note about an address it could not bind goes to debug: the receiver reports that failure itself, naming the
  // config field to change (ListenError).
  setGrpcLogger({
    error: (...args: unknown[]) => (text(args).startsWith('No address added') ? log.debug(text(args)) : log.error(text(args))),
    info: (...args: unknown[]) => log.info(text(args)),
    debug: (...args: unknown[]) => log.debug(text(args)),
  });
}
