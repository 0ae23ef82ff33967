// An HTTPS proxy in front of the local API server that one client (an operator) talks to, logging
// every request it forwards and able to cut the client off: the network between them partitioned,
// the API server fine. It terminates TLS with a throwaway certificate and forwards each request
// with the admin credentials of the cluster kubeconfig, so it sees methods, paths and timing.
//
// While cut: requests the client sends are held, not forwarded, and responses (watch streams
// included) are held, not delivered. On heal, held requests whose client is still waiting are
// forwarded and held responses delivered, like packets that got through late. A request the
// client gave up on (closed its connection) while held is never forwarded: it is "abandoned".
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { makeTestPki, type TestPki } from './tls-cert.ts';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** When the client's request reached the proxy (ms since epoch). */
  receivedAt: number;
  /** When it was sent on to the API server; undefined while held, and forever when abandoned. */
  forwardedAt?: number;
  /** When the API server's response head came back. */
  answeredAt?: number;
  status?: number;
  /** The client closed the connection while the request was held: it never reached the API server. */
  abandoned?: boolean;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isWrite = (r: ProxiedRequest) => WRITES.has(r.method);

export class ApiProxy {
  readonly log: ProxiedRequest[] = [];
  readonly #server: https.Server;
  readonly #upstream: URL;
  readonly #agent: https.Agent;
  readonly #pki: TestPki;
  readonly #onHeal: (() => void)[] = [];
  #cut = false;
  #cutWhen: ((r: ProxiedRequest) => boolean) | undefined;
  cutAt: number | undefined;

  private constructor(server: https.Server, upstream: URL, agent: https.Agent, pki: TestPki) {
    this.#server = server;
    this.#upstream = upstream;
    this.#agent = agent;
    this.#pki = pki;
  }

  static async start(kubeconfigPath: string): Promise<ApiProxy> {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const tls: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const agent = new https.Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key });
    const pki = makeTestPki();
    const server = https.createServer({ cert: pki.cert, key: pki.key });
    const proxy = new ApiProxy(server, new URL(kc.getCurrentCluster()!.server), agent, pki);
    // A client that goes away mid-request or mid-response is the proxy's normal business, not an error.
    server.on('request', (req, res) => proxy.#handle(req, res).catch(() => res.destroy()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  /** A kubeconfig for a client of this proxy (it authenticates upstream itself). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'proxy', server: `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}`, caData: Buffer.from(this.#pki.ca).toString('base64') }],
      users: [{ name: 'proxy', token: 'unused' }],
      contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
      currentContext: 'proxy',
    });
    return kc;
  }

  /** Partitions the client from the API server now. */
  cut(at = Date.now()): void {
    this.#cut = true;
    this.cutAt ??= at;
  }

  /** Partitions the client from the API server when a request matching `when` arrives (that request is held). */
  cutOn(when: (r: ProxiedRequest) => boolean): void {
    this.#cutWhen = when;
  }

  heal(): void {
    this.#cut = false;
    for (const fn of this.#onHeal.splice(0)) fn();
  }

  async close(): Promise<void> {
    this.heal();
    this.#server.closeAllConnections();
    this.#server.close();
    this.#agent.destroy();
    this.#pki.cleanup();
  }

  #whenOpen(): Promise<void> {
    return this.#cut ? new Promise((resolve) => this.#onHeal.push(resolve)) : Promise.resolve();
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const entry: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', receivedAt: Date.now() };
    this.log.push(entry);
    if (this.#cutWhen?.(entry)) {
      this.#cutWhen = undefined;
      this.cut(entry.receivedAt);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let clientGone = false;
    res.on('close', () => (clientGone = !res.writableFinished));
    await this.#whenOpen();
    if (clientGone) {
      entry.abandoned = true;
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const name of ['accept', 'content-type', 'user-agent']) if (req.headers[name]) headers[name] = req.headers[name];
    const body = Buffer.concat(chunks);
    if (body.length > 0) headers['content-length'] = body.length;
    entry.forwardedAt = Date.now();
    const upstream = https.request(new URL(entry.path, this.#upstream), { method: entry.method, headers, agent: this.#agent }, (upRes) => {
      entry.answeredAt = Date.now();
      entry.status = upRes.statusCode;
      this.#relay(upRes, res).catch(() => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  }

  /** Copies the response to the client, holding it while cut. */
  async #relay(upRes: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    await this.#whenOpen();
    res.writeHead(upRes.statusCode ?? 502, { 'content-type': upRes.headers['content-type'] ?? 'application/json' });
    for await (const chunk of upRes) {
      await this.#whenOpen();
      if (res.destroyed) return;
      res.write(chunk);
    }
    res.end();
  }
}
