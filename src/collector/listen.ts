// Starting and stopping servers on config endpoints, shared by the OTLP receivers (node:http, node:http2), the
// health check and the self-metrics endpoint; and the one error every listener (the operator's too) fails with.
import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { formatEndpoint, type Endpoint } from './config/endpoint.ts';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'no such address on this host',
};

/**
 * A listener that could not bind, naming the setting that chose its address (a config field such as
 * `receivers.otlp.protocols.grpc.endpoint`, or a flag such as `--metrics-addr`): the message is the one line a
 * user needs. grpc-js reports the errno only inside its message, hence the search there.
 */
export class ListenError extends Error {
  readonly setting: string;
  readonly address: string;

  constructor(setting: string, address: string, cause: Error) {
    const code = (cause as NodeJS.ErrnoException).code ?? /\b(E[A-Z]+)\b/.exec(cause.message)?.[1];
    const reason = code === undefined ? cause.message : (REASONS[code] ?? code);
    super(`${setting}: cannot listen on ${address}: ${reason}`, { cause });
    this.name = 'ListenError';
    this.setting = setting;
    this.address = address;
  }

  /** The same failure with the setting's path under `prefix` (`receivers.otlp` + `protocols.grpc.endpoint`). */
  under(prefix: string): ListenError {
    return new ListenError(`${prefix}.${this.setting}`, this.address, this.cause as Error);
  }
}

/** Listens and resolves with the bound port (useful with port 0); rejects with a ListenError naming `setting`. */
export function listen(server: NetServer, endpoint: Endpoint, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new ListenError(setting, formatEndpoint(endpoint), error));
    server.once('error', onError);
    server.listen(endpoint.port, endpoint.host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : endpoint.port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish until `deadline` (epoch ms), then cuts the rest. */
export async function close(server: Server, deadline: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, Math.max(0, deadline - Date.now()));
  });
  await Promise.race([closed, late]);
  clearTimeout(timer);
}
