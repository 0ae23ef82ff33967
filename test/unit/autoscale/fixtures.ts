// Builders shared by the autoscaler's unit tests.
import type { ScalingPolicy } from '../../../src/operator/autoscale/decision.ts';
import { perItem, type PerItem } from '../../../src/operator/autoscale/items.ts';
import type { MeasuredPod, PodRates } from '../../../src/operator/autoscale/rates.ts';

export const SPEC: ScalingPolicy = {
  minReplicas: 3,
  maxReplicas: 30,
  capacityPerReplica: { spansPerSecond: 10_000, metricPointsPerSecond: 100_000, logRecordsPerSecond: 50_000 },
  targetUtilization: 0.7,
  scaleDownStabilizationSeconds: 300,
};

export interface PodLoad {
  spans?: number;
  metricPoints?: number;
  logRecords?: number;
  refusedSpans?: number;
  sendFailed?: number;
  queueFill?: number;
  sent?: number;
}

const items = (spans = 0, metricPoints = 0, logRecords = 0): PerItem<number> => ({ spans, metricPoints, logRecords });

export function measured(name: string, load: PodLoad = {}): MeasuredPod {
  const accepted = items(load.spans, load.metricPoints, load.logRecords);
  return {
    pod: name,
    status: 'measured',
    accepted,
    refused: items(load.refusedSpans),
    // By default everything accepted is delivered.
    sent: load.sent === undefined ? accepted : items(load.sent),
    sendFailed: items(load.sendFailed),
    queueFill: load.queueFill ?? 0,
    reset: false,
    intervalSeconds: 15,
  };
}

/** `count` measured pods sharing `load` evenly. */
export function fleet(count: number, load: PodLoad = {}): PodRates[] {
  const share = (v: number | undefined) => (v === undefined ? undefined : v / count);
  return Array.from({ length: count }, (_, i) =>
    measured(`pod-${i}`, {
      spans: share(load.spans),
      metricPoints: share(load.metricPoints),
      logRecords: share(load.logRecords),
      refusedSpans: share(load.refusedSpans),
      sendFailed: share(load.sendFailed),
      sent: share(load.sent),
      queueFill: load.queueFill,
    }),
  );
}

export const missing = (name: string): PodRates => ({ pod: name, status: 'missing', error: 'connect ECONNREFUSED' });
export const warming = (name: string, queueFill = 0): PodRates => ({ pod: name, status: 'warming', queueFill });

export const zeros = (): PerItem<number> => perItem(() => 0);
