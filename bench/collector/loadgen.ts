// Load generator process, forked by run.ts so its CPU is never the collector's.
// Protocol (IPC): init -> ready; start (closed loop or paced open loop) ; mark (restart the
// measurement window) -> marked; stop -> stats. Every run is bounded by maxMs and maxRequests
// and stops by itself when either is reached.
import { cpuUsage } from 'node:process';
import { grpcJsClient, http2GzipClient } from './clients.ts';
import type { ExportClient } from './clients.ts';
import { encodeRequestPool } from './spans.ts';
import type { EncodedRequest } from './spans.ts';
import { LatencyRecorder } from './stats.ts';

export interface InitMsg {
  type: 'init'; address: string; gzip: boolean; client: 'grpc-js' | 'http2'; channels: number;
  poolSize: number; minSpans: number; maxSpans: number; seed: number;
}
export interface StartMsg {
  type: 'start'; mode: 'closed' | 'open'; concurrency: number; spansPerSec: number; maxInFlight: number;
  maxMs: number; maxRequests: number;
}
export interface LoadStats {
  type: 'stats'; windowMs: number; requests: number; okSpans: number; failedRequests: number;
  failureCodes: Record<string, number>; behindSchedule: number; stoppedBy: 'parent' | 'time' | 'count';
  latencyMs: ReturnType<LatencyRecorder['summary']>; cpuMs: number;
}

let client: ExportClient | undefined;
let pool: EncodedRequest[] = [];
let splitAt = 0;
const latency = new LatencyRecorder(2_000_000);

let running = false;
let inFlight = 0;
let issued = 0;
let next = 0;
let windowStart = 0;
let windowCpu = cpuUsage();
let w = { requests: 0, okSpans: 0, failedRequests: 0, behind: 0, codes: {} as Record<string, number> };
let stopTimer: NodeJS.Timeout | undefined;
let stoppedBy: LoadStats['stoppedBy'] = 'parent';
let onDrained: (() => void) | undefined;

function resetWindow(): void {
  windowStart = performance.now();
  windowCpu = cpuUsage();
  w = { requests: 0, okSpans: 0, failedRequests: 0, behind: 0, codes: {} };
  latency.reset();
}

function sendOne(afterDone: () => void): void {
  const req = pool[next++ % pool.length] as EncodedRequest;
  inFlight++;
  issued++;
  const t0 = performance.now();
  (client as ExportClient).send(req, (code) => {
    inFlight--;
    const ms = performance.now() - t0;
    w.requests++;
    if (code === 0) { w.okSpans += req.spans; latency.add(ms, req.spans); }
    else { w.failedRequests++; w.codes[code] = (w.codes[code] ?? 0) + 1; }
    afterDone();
    if (inFlight === 0 && onDrained) onDrained();
  });
}

function stopFor(reason: LoadStats['stoppedBy']): void {
  if (!running) return;
  running = false;
  stoppedBy = reason;
  if (stopTimer) clearTimeout(stopTimer);
  const report = (): void => {
    onDrained = undefined;
    const cpu = cpuUsage(windowCpu);
    const stats: LoadStats = {
      type: 'stats', windowMs: performance.now() - windowStart, requests: w.requests, okSpans: w.okSpans,
      failedRequests: w.failedRequests, failureCodes: w.codes, behindSchedule: w.behind, stoppedBy,
      latencyMs: latency.summary(splitAt), cpuMs: (cpu.user + cpu.system) / 1000,
    };
    process.send?.(stats);
  };
  if (inFlight === 0) { report(); return; }
  onDrained = report;
  setTimeout(() => { if (onDrained) report(); }, 10_000).unref();
}

function closedLoop(concurrency: number, maxRequests: number): void {
  const loop = (): void => {
    if (!running) return;
    if (issued >= maxRequests) { stopFor('count'); return; }
    sendOne(() => {
      // Back off briefly after a failure so a refusing collector is not hammered in a tight loop.
      if (w.failedRequests > 0 && inFlight < concurrency / 2) setTimeout(loop, 5);
      else loop();
    });
  };
  for (let i = 0; i < concurrency; i++) loop();
}

/** Open loop: requests leave on a schedule of spansPerSec whatever the responses do. */
function openLoop(spansPerSec: number, maxInFlight: number, maxRequests: number): void {
  const t0 = performance.now();
  let scheduledSpans = 0;
  const tick = (): void => {
    if (!running) return;
    const due = ((performance.now() - t0) / 1000) * spansPerSec;
    while (scheduledSpans < due) {
      if (issued >= maxRequests) { stopFor('count'); return; }
      scheduledSpans += (pool[next % pool.length] as EncodedRequest).spans;
      if (inFlight >= maxInFlight) { w.behind++; next++; continue; }
      sendOne(() => {});
    }
    setTimeout(tick, 1);
  };
  tick();
}

process.on('message', (msg: InitMsg | StartMsg | { type: 'mark' | 'stop' | 'exit' }) => {
  if (msg.type === 'init') {
    pool = encodeRequestPool({ count: msg.poolSize, minSpans: msg.minSpans, maxSpans: msg.maxSpans, seed: msg.seed, gzip: msg.gzip });
    splitAt = (msg.minSpans + msg.maxSpans) / 2;
    client = msg.client === 'http2' ? http2GzipClient(msg.address, msg.channels) : grpcJsClient(msg.address, msg.channels, msg.gzip);
    const spans = pool.reduce((a, r) => a + r.spans, 0);
    const bytes = pool.reduce((a, r) => a + r.body.length, 0);
    const gz = pool.reduce((a, r) => a + (r.gzipped?.length ?? 0), 0);
    process.send?.({ type: 'ready', poolSpans: spans, bytesPerSpan: bytes / spans, gzipRatio: gz / bytes });
  } else if (msg.type === 'start') {
    running = true; issued = 0; stoppedBy = 'parent';
    resetWindow();
    stopTimer = setTimeout(() => stopFor('time'), msg.maxMs);
    if (msg.mode === 'closed') closedLoop(msg.concurrency, msg.maxRequests);
    else openLoop(msg.spansPerSec, msg.maxInFlight, msg.maxRequests);
  } else if (msg.type === 'mark') {
    resetWindow();
    process.send?.({ type: 'marked' });
  } else if (msg.type === 'stop') {
    stopFor('parent');
  } else if (msg.type === 'exit') {
    client?.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
