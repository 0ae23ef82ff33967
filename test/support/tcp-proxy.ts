// A loopback TCP proxy that counts the bytes clients send through it: what actually went on the
// wire, e.g. to see gRPC compression, which grpc-js hides from the server handler. Given several
// backends it picks one per connection in turn, as kube-proxy does for a ClusterIP Service: a
// long-lived gRPC connection stays on the backend it first reached.
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export class CountingProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Bytes received from clients so far. */
  bytesIn = 0;
  /** Connections opened so far, per backend (same order as the target ports). */
  readonly connections: number[];

  private constructor(server: Server, targetPorts: readonly number[]) {
    this.#server = server;
    this.connections = targetPorts.map(() => 0);
  }

  static async start(targetPorts: number | readonly number[]): Promise<CountingProxy> {
    const ports = typeof targetPorts === 'number' ? [targetPorts] : targetPorts;
    if (ports.length === 0) throw new Error('CountingProxy needs at least one backend port');
    const server = createServer();
    const proxy = new CountingProxy(server, ports);
    let next = 0;
    server.on('connection', (client) => {
      const backend = next++ % ports.length;
      proxy.connections[backend]! += 1;
      proxy.#pipe(client, ports[backend]!);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  #pipe(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    this.#sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
