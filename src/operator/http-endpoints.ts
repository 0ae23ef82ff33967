// /healthz, /readyz and /metrics. Health and metrics may share one listener when given the same address.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ListenError } from '../collector/listen.ts';

export interface Endpoints {
  healthz: () => boolean;
  readyz: () => boolean;
  registry: Registry;
}

/** `host:port`, `:port` (all interfaces) or `[::1]:port`. */
export function parseAddress(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address "${addr}": expected host:port`);
  return { host: m[1] ?? (m[2] || undefined), port: Number(m[3]) };
}

function handler(e: Endpoints, serve: { health: boolean; metrics: boolean }): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'text/plain') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (serve.health && path === '/healthz') return e.healthz() ? reply(200, 'ok') : reply(500, 'unhealthy');
    if (serve.health && path === '/readyz') return e.readyz() ? reply(200, 'ok') : reply(503, 'caches not synced');
    if (serve.metrics && path === '/metrics') {
      e.registry.metrics().then(
        (text) => reply(200, text, e.registry.contentType),
        (err: Error) => reply(500, err.message),
      );
      return;
    }
    reply(404, 'not found');
  };
}

/** `flag`: the command-line flag that chose `addr`, named when it cannot listen. */
async function listen(addr: string, flag: string, listener: http.RequestListener): Promise<http.Server> {
  const { host, port } = parseAddress(addr);
  const server = http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new ListenError(flag, addr, error)));
    server.listen(port, host, () => resolve());
  });
  return server;
}

export interface RunningEndpoints {
  metricsAddress: string;
  healthAddress: string;
  close(): Promise<void>;
}

export async function serveEndpoints(e: Endpoints, metricsAddr: string, healthAddr: string): Promise<RunningEndpoints> {
  const wanted: [string, string, http.RequestListener][] =
    metricsAddr === healthAddr
      ? [[metricsAddr, '--metrics-addr', handler(e, { health: true, metrics: true })]]
      : [
          [metricsAddr, '--metrics-addr', handler(e, { health: false, metrics: true })],
          [healthAddr, '--health-addr', handler(e, { health: true, metrics: false })],
        ];
  const servers: http.Server[] = [];
  const close = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    ).then(() => undefined);
  try {
    for (const [addr, flag, listener] of wanted) servers.push(await listen(addr, flag, listener));
  } catch (error) {
    await close();
    throw error;
  }
  const fmt = (s: http.Server) => {
    const a = s.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  };
  return { metricsAddress: fmt(servers[0]!), healthAddress: fmt(servers.at(-1)!), close };
}
