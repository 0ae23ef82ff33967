// An HTTP CONNECT proxy on 127.0.0.1 that stands in for pod networking: a collector given
// `grpc_proxy=http://127.0.0.1:<port>` (grpc-js honours it, as grpc-go does) dials pod addresses, which is what an
// EndpointSlice may name (the API server refuses loopback addresses in slices), and the proxy carries each
// connection to the loopback port of the process playing that pod. Addresses it has no process for are refused
// with 502: nothing leaves loopback.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export class PodAddressProxy {
  readonly #server: Server;
  readonly #routes = new Map<string, number>();
  readonly #sockets = new Set<Socket>();
  /** Connections carried, per `address:port` asked for. */
  readonly connections = new Map<string, number>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<PodAddressProxy> {
    const server = createServer((_req, res) => res.writeHead(405).end());
    const proxy = new PodAddressProxy(server);
    server.on('connect', (req, client: Socket, head: Buffer) => proxy.#carry(req.url ?? '', client, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Connections to `authority` (`address:port`) go to 127.0.0.1:`port` from now on. */
  map(authority: string, loopbackPort: number): void {
    this.#routes.set(authority, loopbackPort);
  }

  #carry(authority: string, client: Socket, head: Buffer): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    const port = this.#routes.get(authority);
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    this.connections.set(authority, (this.connections.get(authority) ?? 0) + 1);
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.#sockets.add(upstream);
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
