import { EMPTY_HISTORY } from '../../../src/operator/autoscale/behavior.ts';
import { decide } from '../../../src/operator/autoscale/decision.ts';
import { autoscalingStatus, scrapeTargets } from '../../../src/operator/autoscale/fleet-status.ts';
import type { KubeObject } from '../../../src/operator/kube/types.ts';
import { fleet, SPEC } from './fixtures.ts';

const pod = (name: string, over: { ns?: string; pipeline?: string; phase?: string; ready?: string; started?: boolean; ip?: string; deleting?: boolean } = {}): KubeObject => ({
  metadata: {
    name,
    namespace: over.ns ?? 'shop',
    uid: `uid-${name}`,
    labels: { 'fleet.telemetry.dev/pipeline': over.pipeline ?? 'checkout' },
    ...(over.deleting && { deletionTimestamp: '2025-01-01T00:00:00Z' }),
  },
  status: {
    phase: over.phase ?? 'Running',
    ...(over.ip !== '' && { podIP: over.ip ?? `127.1.0.${name.length}` }),
    conditions: [{ type: 'Ready', status: over.ready ?? 'True' }],
    ...(over.started !== undefined && { containerStatuses: [{ started: over.started }] }),
  },
});

test('scrapeTargets: the pipeline\'s Running, live pods with an IP that are Ready or past their startup probe', () => {
  const pods = [
    pod('a', { ip: '127.1.0.1' }),
    pod('other-ns', { ns: 'x' }),
    pod('other-pipeline', { pipeline: 'cart' }),
    pod('pending', { phase: 'Pending' }),
    pod('unready', { ready: 'False' }),
    pod('starting', { ready: 'False', started: false }),
    pod('overloaded', { ready: 'False', started: true, ip: '127.1.0.9' }),
    pod('no-ip', { ip: '' }),
    pod('deleting', { deleting: true, started: true }),
    pod('b', { ip: '::1' }),
  ];
  expect(scrapeTargets(pods, 'shop', 'checkout')).toEqual([
    { pod: 'uid-a', ip: '127.1.0.1' },
    { pod: 'uid-overloaded', ip: '127.1.0.9' },
    { pod: 'uid-b', ip: '::1' },
  ]);
});

describe('autoscalingStatus', () => {
  const NOW = Date.parse('2025-10-01T12:00:00.250Z');
  const decision = (current: number, spans: number) =>
    decide({ pods: fleet(current, { spans }), spec: SPEC, currentReplicas: current, history: EMPTY_HISTORY, now: NOW });

  test('rates to three significant digits, the decision, and the scale time when it scales', () => {
    expect(autoscalingStatus(decision(3, 40_012.6), 3, NOW)).toEqual({
      spansPerSecond: 40_000,
      metricPointsPerSecond: 0,
      logRecordsPerSecond: 0,
      capacity: { spansPerSecond: 10_000, metricPointsPerSecond: 100_000, logRecordsPerSecond: 50_000, source: 'Spec' },
      desiredReplicas: 6,
      lastScaleTime: '2025-10-01T12:00:00Z',
      reason: 'scaled 3 -> 6: 40,013 spans/s, capacity 10,000 x 0.7 per replica',
    });
    expect(autoscalingStatus(decision(3, 1.23456), 3, NOW).spansPerSecond).toBe(1.23);
  });

  test('with learned capacity: its figures, the CPU it is for and the idle CPU', () => {
    const learned = { cores: 0.5, learned: { baselineCores: 0.0123, cost: { spans: 2.84e-6, metricPoints: undefined, logRecords: undefined }, samples: 9 } };
    const d = decide({ pods: fleet(3, { spans: 30_000 }), spec: SPEC, cpu: learned, currentReplicas: 3, history: EMPTY_HISTORY, now: NOW });
    expect(autoscalingStatus(d, 3, NOW, { cores: 0.5, idleCores: 0.0123 }).capacity).toEqual({
      spansPerSecond: 172_000,
      // Not learned: what the spec's capacity says.
      metricPointsPerSecond: 100_000,
      logRecordsPerSecond: 50_000,
      source: 'Learned',
      cpu: '500m',
      idleCores: 0.0123,
    });
  });

  test('holding leaves lastScaleTime out, so the merge patch keeps the previous one', () => {
    expect(autoscalingStatus(decision(8, 56_000), 8, NOW)).not.toHaveProperty('lastScaleTime');
  });
});
