// Per-pod rates from successive scrapes (pure). The state is the last good snapshot of each pod.
//
// Counter resets: a counter that went down, or a process whose uptime says it started after the
// previous scrape, restarted from zero, so its whole current value is the increase (as
// Prometheus's rate() does). The increase is then divided by the process's uptime when it is
// known (never less than 1 s), else by the scrape interval: Prometheus divides by the interval,
// which under-reads a pod that restarted mid-interval.
//
// A pod seen for the first time has no rate yet ("warming"), unless its uptime says its process started
// after the fleet's previous scrape: then its whole counter is its increase over the fleet's interval,
// and is divided by that interval (not by its uptime): the old pods' rates are interval averages that
// include the load the new pod took over from them, so only the same time base sums to the fleet's
// rate. Without this, the evaluation after a scale-up sees only the old pods, whose share of the load
// just fell, and holds: a step up would need a third period to reach its replica count.
//
// A pod that could not be scraped is "missing"; its last good snapshot is kept, so the next good
// scrape yields the average rate over the whole gap. A pod that is no longer listed is forgotten.
import { ITEMS, perItem, type PerItem } from './items.ts';
import type { PodSnapshot } from './snapshot.ts';

export type ScrapeResult = { ok: true; snapshot: PodSnapshot } | { ok: false; error: string };

export interface PodScrape {
  /** Stable identity of the pod (its uid, or namespace/name). */
  pod: string;
  /** When the scrape started, in ms. */
  at: number;
  result: ScrapeResult;
}

interface Sampled {
  at: number;
  snapshot: PodSnapshot;
}

export interface RateState {
  readonly last: ReadonlyMap<string, Sampled>;
}

export const EMPTY_RATE_STATE: RateState = { last: new Map() };

export interface MeasuredPod {
  pod: string;
  status: 'measured';
  /** Items per second the receivers accepted. */
  accepted: PerItem<number>;
  /** Items per second turned away: the larger of the memory_limiter's and the receivers' refusals. */
  refused: PerItem<number>;
  sent: PerItem<number>;
  sendFailed: PerItem<number>;
  /** Fullest exporter queue, size / capacity (0 without queues). */
  queueFill: number;
  /** Some counter was reset since the previous scrape (restarted process). */
  reset: boolean;
  intervalSeconds: number;
  /** CPU cores the process used over the interval (otelcol_process_cpu_seconds), when exported and not reset. */
  cores?: number;
  /** The process's uptime at this scrape, when exported. */
  uptimeSeconds?: number;
}

/** Scraped for the first time: no rate yet, but its queue gauges are current. */
export interface WarmingPod {
  pod: string;
  status: 'warming';
  queueFill: number;
}

export interface MissingPod {
  pod: string;
  status: 'missing';
  error: string;
}

export type PodRates = MeasuredPod | WarmingPod | MissingPod;

/** Restart detection tolerates this much skew between the operator's clock and the pod's uptime. */
const UPTIME_SLACK_SECONDS = 1;

export function computeRates(state: RateState, scrapes: readonly PodScrape[]): { pods: PodRates[]; state: RateState } {
  const last = new Map<string, Sampled>();
  const pods: PodRates[] = [];
  const fleetPrevious = Math.max(-Infinity, ...[...state.last.values()].map((s) => s.at));
  for (const { pod, at, result } of scrapes) {
    const previous = state.last.get(pod);
    if (!result.ok) {
      if (previous) last.set(pod, previous);
      pods.push({ pod, status: 'missing', error: result.error });
      continue;
    }
    const current = { at, snapshot: result.snapshot };
    const queueFill = fullestQueue(result.snapshot);
    if (!previous && startedSince(result.snapshot, at, fleetPrevious)) {
      last.set(pod, current);
      pods.push(measure(pod, { at: fleetPrevious, snapshot: ZERO_SNAPSHOT }, current, queueFill, true));
      continue;
    }
    if (!previous || at <= previous.at) {
      last.set(pod, previous && at <= previous.at ? previous : current);
      pods.push({ pod, status: 'warming', queueFill });
      continue;
    }
    last.set(pod, current);
    pods.push(measure(pod, previous, current, queueFill));
  }
  return { pods, state: { last } };
}

/** `started`: the process started within the interval, from zero (not a restart). */
function measure(pod: string, previous: Sampled, current: Sampled, queueFill: number, started = false): MeasuredPod {
  const intervalSeconds = (current.at - previous.at) / 1000;
  const before = previous.snapshot;
  const now = current.snapshot;
  const processRestarted =
    !started &&
    now.uptimeSeconds !== undefined &&
    (now.uptimeSeconds + UPTIME_SLACK_SECONDS < intervalSeconds ||
      (before.uptimeSeconds !== undefined && now.uptimeSeconds < before.uptimeSeconds));
  let reset = processRestarted;
  const rate = (key: CounterKey): PerItem<number> =>
    perItem((item) => {
      const was = before[key][item];
      const is = now[key][item];
      if (!processRestarted && is >= was) return (is - was) / intervalSeconds;
      reset = true;
      return is / resetSeconds(now, intervalSeconds);
    });
  const processorRefused = rate('processorRefused');
  const receiverRefused = rate('receiverRefused');
  const measured: MeasuredPod = {
    pod,
    status: 'measured',
    accepted: rate('accepted'),
    refused: perItem((item) => Math.max(processorRefused[item], receiverRefused[item])),
    sent: rate('sent'),
    sendFailed: rate('sendFailed'),
    queueFill,
    reset,
    intervalSeconds,
  };
  if (!reset && !started && now.cpuSeconds !== undefined && before.cpuSeconds !== undefined && now.cpuSeconds >= before.cpuSeconds) {
    measured.cores = (now.cpuSeconds - before.cpuSeconds) / intervalSeconds;
  }
  if (now.uptimeSeconds !== undefined) measured.uptimeSeconds = now.uptimeSeconds;
  return measured;
}

const ZERO_SNAPSHOT: PodSnapshot = {
  accepted: perItem(() => 0),
  receiverRefused: perItem(() => 0),
  processorRefused: perItem(() => 0),
  sent: perItem(() => 0),
  sendFailed: perItem(() => 0),
  queues: [],
};

/** The pod's process started after the fleet's previous scrape at `fleetPrevious` (ms), by its uptime. */
function startedSince(snapshot: PodSnapshot, at: number, fleetPrevious: number): boolean {
  if (snapshot.uptimeSeconds === undefined || !Number.isFinite(fleetPrevious) || at <= fleetPrevious) return false;
  return snapshot.uptimeSeconds + UPTIME_SLACK_SECONDS < (at - fleetPrevious) / 1000;
}

type CounterKey = 'accepted' | 'receiverRefused' | 'processorRefused' | 'sent' | 'sendFailed';

function resetSeconds(now: PodSnapshot, intervalSeconds: number): number {
  if (now.uptimeSeconds === undefined) return intervalSeconds;
  return Math.min(intervalSeconds, Math.max(1, now.uptimeSeconds));
}

function fullestQueue(snapshot: PodSnapshot): number {
  let fill = 0;
  for (const queue of snapshot.queues) fill = Math.max(fill, queue.size / queue.capacity);
  return fill;
}

/** Sum of one per-item figure over the measured pods. */
export function fleetTotal(pods: readonly PodRates[], key: 'accepted' | 'refused' | 'sent' | 'sendFailed'): PerItem<number> {
  const total = perItem(() => 0);
  for (const pod of pods) {
    if (pod.status !== 'measured') continue;
    for (const item of ITEMS) total[item] += pod[key][item];
  }
  return total;
}
