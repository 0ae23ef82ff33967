// Scrapes the collectors' self-metrics: GET http://<pod IP>:8888/metrics for each pod, with a
// timeout per pod, a bound on concurrent requests and on the size of a response. Every failure
// becomes a `{ ok: false, error }` result naming the URL, never an exception: the decision treats
// such pods conservatively (they never cause a scale-down).
import { isIPv6 } from 'node:net';
import { parsePrometheusText } from './prom-text.ts';
import type { PodScrape, ScrapeResult } from './rates.ts';
import { snapshotOf } from './snapshot.ts';

export interface ScrapeTarget {
  /** Stable identity of the pod (uid or namespace/name); carried into the rates. */
  pod: string;
  ip: string;
}

export interface ScrapeOptions {
  port?: number;
  path?: string;
  timeoutMs?: number;
  concurrency?: number;
  /** Larger responses are refused (a collector's /metrics is a few tens of KiB). */
  maxBytes?: number;
  /** Clock for the scrape time stamps, in ms. */
  now?: () => number;
  /** Aborts every scrape in flight (operator shutdown). */
  signal?: AbortSignal;
}

export const SCRAPE_DEFAULTS = { port: 8888, path: '/metrics', timeoutMs: 5000, concurrency: 8, maxBytes: 8 * 1024 * 1024 };

// The classic text format: the only one the parser reads (OpenMetrics differs in timestamps).
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

/** Scrapes every target; results are in the order of `targets`. */
export async function scrapePods(targets: readonly ScrapeTarget[], options: ScrapeOptions = {}): Promise<PodScrape[]> {
  const concurrency = Math.max(1, options.concurrency ?? SCRAPE_DEFAULTS.concurrency);
  const results = new Array<PodScrape>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      results[index] = await scrapePod(targets[index] as ScrapeTarget, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return results;
}

export async function scrapePod(target: ScrapeTarget, options: ScrapeOptions = {}): Promise<PodScrape> {
  const at = (options.now ?? Date.now)();
  return { pod: target.pod, at, result: await fetchSnapshot(metricsUrl(target.ip, options), options) };
}

export function metricsUrl(ip: string, options: ScrapeOptions = {}): string {
  const host = isIPv6(ip) ? `[${ip}]` : ip;
  return `http://${host}:${options.port ?? SCRAPE_DEFAULTS.port}${options.path ?? SCRAPE_DEFAULTS.path}`;
}

async function fetchSnapshot(url: string, options: ScrapeOptions): Promise<ScrapeResult> {
  const timeoutMs = options.timeoutMs ?? SCRAPE_DEFAULTS.timeoutMs;
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(url, { headers: { accept: ACCEPT }, signal: AbortSignal.any(signals), redirect: 'error' });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `${url}: HTTP ${response.status}` };
    }
    const text = await readBounded(response, options.maxBytes ?? SCRAPE_DEFAULTS.maxBytes);
    return { ok: true, snapshot: snapshotOf(parsePrometheusText(text)) };
  } catch (error) {
    return { ok: false, error: `${url}: ${describe(error, timeoutMs)}` };
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describe(error: unknown, timeoutMs: number): string {
  // Duck-typed: fetch() errors may come from another realm (test sandboxes), where instanceof fails.
  const e = error as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  if (e === null || typeof e !== 'object') return String(error);
  if (e.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'aborted';
  // fetch() reports connection errors as "fetch failed" with the system error as the cause.
  const cause = e.cause?.code ?? e.cause?.message;
  return cause === undefined ? String(e.message) : `${String(e.message)}: ${String(cause)}`;
}
