// Whether a TCP endpoint accepts a connection now: for a Service's ClusterIP, that kube-proxy has programmed its
// rules and a ready pod behind them answers; for a stopped listener, that it is really gone.
import { connect } from 'node:net';

/** Connects once to `host:port` and closes at once; false when refused, unreachable or silent for `timeoutMs`. */
export function tcpAccepts(endpoint: string, timeoutMs = 1_000): Promise<boolean> {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(endpoint.slice(colon + 1));
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
