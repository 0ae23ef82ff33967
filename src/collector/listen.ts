// Starting and stopping node:http servers on config endpoints, shared by the HTTP receiver, the
// health check and the self-metrics endpoint.
import type { Server } from 'node:http';
import { formatEndpoint, type Endpoint } from './config/endpoint.ts';

/** Listens and resolves with the bound port (useful with port 0); rejects on EADDRINUSE and such. */
export function listen(server: Server, endpoint: Endpoint): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${formatEndpoint(endpoint)}: ${error.code ?? error.message}`, { cause: error }));
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
