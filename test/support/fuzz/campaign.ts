// A fuzz campaign against a running collector process: fast-check generates cases (cases.ts), each is sent, its
// answer judged (oracle.ts), then a valid request must still be served on the same listener, the process must be
// alive and its RSS under `rssLimit`. Bounded by `maxCases` and `seconds`;
// the first failure ends it (no shrinking: every step would cost a round trip) and is reported with its seed and path.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { buildBody, caseArbitrary, describeCase, type FuzzCase } from './cases.ts';
import { judge } from './oracle.ts';
import { GrpcConnection, sendHttp, type Answer } from './send.ts';

export interface Target {
  readonly pid: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
}

export interface CampaignOptions {
  readonly seed: number;
  readonly seconds: number;
  readonly maxCases: number;
  /** RSS the process must stay under, bytes. */
  readonly rssLimit: number;
  readonly answerTimeoutMs?: number;
  /** Replays one case: the `path` of a reported failure, with its seed. */
  readonly path?: string;
}

export interface CampaignReport {
  readonly seed: number;
  readonly cases: number;
  readonly seconds: number;
  readonly casesPerSecond: number;
  readonly outcomes: Record<string, number>;
  readonly rssStartBytes: number;
  readonly rssMaxBytes: number;
  /** [seconds since the start, RSS MiB], every 5 s. */
  readonly rssTimeline: readonly (readonly [number, number])[];
  readonly failure?: { readonly seed: number; readonly path: string; readonly case: string; readonly error: string };
}

const MIB = 1024 * 1024;
const PROBE_RETRIES = 20;
const PROBE_BACKOFF_MS = 250;
const RETRYABLE = new Set(['http 503', 'grpc UNAVAILABLE']);

export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

const VALID: FuzzCase = { transport: 'http', signal: 'traces', format: 'protobuf', encoding: 'identity', mutation: { kind: 'none' }, compressedMutation: { kind: 'none' }, bomb: false, framing: 'exact' };

export async function runCampaign(target: Target, options: CampaignOptions): Promise<CampaignReport> {
  const timeoutMs = options.answerTimeoutMs ?? 15_000;
  const grpc = new GrpcConnection(target.grpcPort);
  let exitCode: number | null | undefined;
  void target.exited.then((code) => (exitCode = code));
  const send = (fuzz: FuzzCase, body: Uint8Array): Promise<Answer> =>
    fuzz.transport === 'http' ? sendHttp(target.httpPort, fuzz, body, timeoutMs) : grpc.send(fuzz, body, timeoutMs);

  const outcomes: Record<string, number> = {};
  const rssStart = rssBytes(target.pid);
  let rssMax = rssStart;
  const rssTimeline: [number, number][] = [[0, +(rssStart / MIB).toFixed(1)]];
  let cases = 0;
  const started = Date.now();

  const property = fc.asyncProperty(caseArbitrary, async (fuzz) => {
    cases++;
    const verdict = judge(fuzz, await send(fuzz, buildBody(fuzz)));
    outcomes[verdict.outcome] = (outcomes[verdict.outcome] ?? 0) + 1;
    if (verdict.violation) throw new Error(`${verdict.outcome}: ${verdict.violation}`);
    if (exitCode !== undefined) throw new Error(`the collector exited with ${exitCode}`);
    const probe = { ...VALID, transport: fuzz.transport, signal: fuzz.signal };
    let after = judge(probe, await send(probe, buildBody(probe)));
    // The memory_limiter may refuse for a moment after a large case: retry as a sender would, a bounded number of times.
    for (let retry = 0; retry < PROBE_RETRIES && RETRYABLE.has(after.outcome); retry++) {
      await new Promise((resolve) => setTimeout(resolve, PROBE_BACKOFF_MS));
      after = judge(probe, await send(probe, buildBody(probe)));
    }
    if (after.outcome !== 'http 200' && after.outcome !== 'grpc OK') throw new Error(`a valid request after the case got ${after.outcome} ${after.violation ?? ''}`);
    const rss = rssBytes(target.pid);
    rssMax = Math.max(rssMax, rss);
    const elapsed = (Date.now() - started) / 1000;
    if (elapsed >= rssTimeline.at(-1)![0] + 5) rssTimeline.push([Math.round(elapsed), +(rss / MIB).toFixed(1)]);
    if (rss > options.rssLimit) throw new Error(`RSS ${(rss / MIB).toFixed(0)} MiB, over the limit of ${(options.rssLimit / MIB).toFixed(0)} MiB`);
  });

  try {
    const result = await fc.check(property, {
      seed: options.seed, numRuns: options.maxCases, interruptAfterTimeLimit: options.seconds * 1000, markInterruptAsFailure: false, endOnFailure: true, ...(options.path !== undefined && { path: options.path }),
    });
    const seconds = (Date.now() - started) / 1000;
    const report: CampaignReport = { seed: options.seed, cases, seconds, casesPerSecond: cases / seconds, outcomes, rssStartBytes: rssStart, rssMaxBytes: rssMax, rssTimeline };
    if (!result.failed || result.interrupted) return report;
    const counterexample = result.counterexample?.[0];
    return {
      ...report,
      failure: {
        seed: result.seed, path: result.counterexample !== null ? String(result.counterexamplePath) : '',
        case: counterexample ? describeCase(counterexample) : '', error: String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance),
      },
    };
  } finally {
    grpc.close();
  }
}
