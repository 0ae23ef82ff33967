// Health probes of the control-plane endpoints, and a bounded poll loop.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export type ClientTls = { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
export type Reply = { status: number; body: string };

/** GET with a 5 s timeout; a connection error resolves to status 0 so that polls simply retry. */
export function get(url: string, tls?: ClientTls): Promise<Reply> {
  return new Promise((resolve) => {
    const options = { timeout: 5000, ...(tls ?? {}) };
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => resolve({ status: 0, body: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.end();
  });
}

/**
 * Polls `check` every intervalMs until it returns a value other than undefined; the error names `what` and the
 * last observation, and `abort` (e.g. "the process died, see its log") ends the wait early.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<{ value?: T; observed: string }>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => Promise<string | undefined> },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let observed = 'not checked yet';
  for (;;) {
    const result = await check();
    if (result.value !== undefined) return result.value;
    observed = result.observed;
    const reason = await opts.abort?.();
    if (reason !== undefined) throw new Error(`${what}: ${reason} (last seen: ${observed})`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${opts.timeoutMs} ms (last seen: ${observed})`);
    await sleep(opts.intervalMs ?? 250);
  }
}
