// The operator's one HTTP transport to the API server: JSON requests and watch streams, on top of
// @kubernetes/client-node's KubeConfig (which loads kubeconfig files or the in-cluster service
// account and supplies TLS material and auth headers).
// Why not the generated API classes: client-node 2.x builds a new undici Agent (a new TLS
// connection) for every request and turns objects into model classes with Date fields; the
// operator wants one keep-alive connection pool, raw JSON that matches what watches deliver, and
// one place that sees every request so API writes can be counted.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError } from './errors.ts';
import type { StatusObject } from './types.ts';

export interface RequestInfo {
  method: string;
  path: string;
  status: number;
  seconds: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Return the body as text instead of parsing JSON (for /metrics and the like). */
  text?: boolean;
}

export interface KubeClientOptions {
  userAgent?: string;
  maxSockets?: number;
  /** Called after every request with its outcome (the hook behind the API request metrics). */
  onRequest?: (info: RequestInfo) => void;
}

/** What code that talks to the API server needs: the client itself, or a view of it bound to a cancellation scope. */
export interface KubeRequester {
  request<T>(method: string, path: string, opts?: RequestOptions): Promise<T>;
}

/** Auth headers can rotate (projected service-account tokens, exec plugins): refresh them this often. */
const AUTH_REFRESH_MS = 60_000;

export class KubeClient {
  readonly server: URL;
  readonly #kc: KubeConfig;
  readonly #opts: KubeClientOptions;
  #agent: http.Agent | undefined;
  /** Watches hold their connection for minutes: they get their own pool, so they never queue behind requests or starve them. */
  #watchAgent: http.Agent | undefined;
  #headers: Record<string, string> = {};
  #authAt = -Infinity;
  #authPending: Promise<void> | undefined;

  constructor(kc: KubeConfig, opts: KubeClientOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.#kc = kc;
    this.#opts = opts;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    await this.#ensureAuth();
    opts.signal?.throwIfAborted();
    const url = this.#url(path, opts.query);
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers = this.#requestHeaders(opts.text ? '*/*' : 'application/json');
    if (body) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(body.length);
    }
    const started = performance.now();
    let status = 0;
    try {
      const res = await this.#send(url, method, headers, body, opts);
      status = res.status;
      const parsed = res.text && !(opts.text && status < 400) ? safeJson(res.text) : undefined;
      if (status >= 400) {
        const s = (parsed ?? {}) as StatusObject & { details?: unknown };
        throw new ApiError(method, url.pathname, status, s.reason ?? 'Unknown', s.message ?? res.text.slice(0, 500), s.details);
      }
      return (opts.text ? res.text : parsed) as T;
    } finally {
      this.#opts.onRequest?.({ method, path: url.pathname, status, seconds: (performance.now() - started) / 1000 });
    }
  }

  /**
   * A watch: GET `path` with `query` (watch=true is added), each line of the response is one JSON event passed to
   * `onEvent`. Resolves when the server ends the stream or `signal` aborts (at once, whether or not the server
   * has answered yet); rejects with an ApiError for an error status, or on a connection failure.
   */
  async watch(path: string, query: RequestOptions['query'], onEvent: (event: unknown) => void, signal: AbortSignal): Promise<void> {
    await this.#ensureAuth();
    if (signal.aborted) return;
    const url = this.#url(path, { ...query, watch: true });
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => (signal.aborted ? resolve() : reject(err));
      const req = lib.request(url, { method: 'GET', headers: this.#requestHeaders('application/json'), agent: this.#watchAgent, signal }, (res) => {
        res.setEncoding('utf8');
        const status = res.statusCode ?? 0;
        let buffered = '';
        res.on('data', (chunk: string) => {
          buffered += chunk;
          if (status >= 400) return;
          for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line.trim() === '') continue;
            try {
              onEvent(JSON.parse(line));
            } catch (err) {
              req.destroy(err as Error);
              return;
            }
          }
        });
        res.on('end', () => {
          if (status < 400) return resolve();
          const s = (safeJson(buffered) ?? {}) as StatusObject;
          fail(new ApiError('WATCH', url.pathname, status, s.reason ?? 'Unknown', s.message ?? buffered.slice(0, 500)));
        });
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end();
    });
  }

  /**
   * The client bound to a cancellation scope (a leadership term): every request carries `signal`, and none is
   * sent once it has aborted, so nothing written under the scope can start after it ends.
   */
  withSignal(signal: AbortSignal): KubeRequester {
    return {
      request: <T>(method: string, path: string, opts: RequestOptions = {}) => {
        if (signal.aborted) return Promise.reject(signal.reason as Error);
        return this.request<T>(method, path, { ...opts, signal: opts.signal ? AbortSignal.any([signal, opts.signal]) : signal });
      },
    };
  }

  close(): void {
    this.#agent?.destroy();
    this.#watchAgent?.destroy();
  }

  #url(path: string, query: RequestOptions['query']): URL {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  #requestHeaders(accept: string): Record<string, string> {
    const headers: Record<string, string> = { ...this.#headers, accept };
    if (this.#opts.userAgent) headers['user-agent'] = this.#opts.userAgent;
    return headers;
  }

  #send(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, opts: RequestOptions) {
    const lib = url.protocol === 'https:' ? https : http;
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(opts.signal ? [opts.signal] : [])];
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.#agent, signal: AbortSignal.any(signals) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  #ensureAuth(): Promise<void> {
    if (performance.now() - this.#authAt < AUTH_REFRESH_MS) return Promise.resolve();
    this.#authPending ??= this.#loadAuth().finally(() => (this.#authPending = undefined));
    return this.#authPending;
  }

  async #loadAuth(): Promise<void> {
    const o: https.RequestOptions & { headers?: Record<string, string> } = {};
    await this.#kc.applyToHTTPSOptions(o);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (o.auth) headers.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    this.#headers = headers;
    // TLS material is fixed for the life of the client; only headers are refreshed.
    const agent = (maxSockets: number) =>
      this.server.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            maxSockets,
            ca: o.ca,
            cert: o.cert,
            key: o.key,
            servername: o.servername,
            rejectUnauthorized: o.rejectUnauthorized,
          })
        : new http.Agent({ keepAlive: true, maxSockets });
    this.#agent ??= agent(this.#opts.maxSockets ?? 16);
    this.#watchAgent ??= agent(Infinity);
    this.#authAt = performance.now();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
