// spec of a TelemetryPipeline. Defaults are the guide's (SEED-NOTES.md): 3 replicas, 512Mi requests, 2Gi limits,
// 10k spans/s, 100k points/s, 50k records/s per replica, balanced batching; except CPU: 1 core requested and 1
// core limit (the guide's 500m/2), because the Node collector runs its pipeline on one thread and makes little use
// of a larger limit (measured on real pods, bench/cores).
import { z } from 'zod';
import { MIN_HEAP_MIB, memorySplit, minHeapCel } from './memory-split.ts';
import { ExportersSchema } from './spec-exporters.ts';
import { PersistenceSchema } from './spec-persistence.ts';
import { podFields } from './spec-pod.ts';
import { ReceiverAuthSchema, ReceiverTlsSchema } from './spec-security.ts';
import { ProcessorsSchema } from './spec-processors.ts';
import { parseQuantity } from './quantity.ts';
import { duration, quantity, withRules } from './schema-kit.ts';

export const SIGNALS = ['traces', 'metrics', 'logs'] as const;

/** The guide's container memory limit and memory_limiter split (2Gi -> limit_mib 1536, spike_limit_mib 384). */
const MEMORY_DEFAULTS = { memory: '2Gi', limitPercent: 75, spikePercent: 25 };
export type Signal = (typeof SIGNALS)[number];

const signals = z
  .array(z.enum(SIGNALS).describe('A signal: traces, metrics or logs.'))
  .min(1)
  .max(3)
  .superRefine((list, ctx) => {
    if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', message: 'signals must not repeat' });
  })
  .default([...SIGNALS])
  .meta({ 'x-kubernetes-list-type': 'set' })
  .describe('Signals the fleet accepts and exports; a collector pipeline is rendered for each.');

/** CEL for "this protocol is enabled", reading an absent field as its default (true). */
function enabledCel(protocolName: string): string {
  return `(!has(self.${protocolName}) || !has(self.${protocolName}.enabled) || self.${protocolName}.enabled)`;
}

function protocol(name: string, port: number) {
  return z
    .strictObject({ enabled: z.boolean().default(true).describe(`Accept OTLP/${name} on port ${port}.`) })
    .describe(`OTLP/${name} listener on port ${port}.`);
}

/**
 * A ClusterIP Service balances connections, not RPCs, and an OTLP/gRPC client keeps one connection for its life:
 * without an age limit, replicas added by a scale-up get nothing from clients already connected.
 */
const grpcProtocol = protocol('gRPC', 4317).extend({
  maxConnectionAge: duration(
    'How long a client connection may live before the collector asks the client to reconnect (gRPC GOAWAY, in-flight ' +
      'exports finish first), so that connections spread over replicas added by a scale-up. "0s" keeps connections ' +
      'open indefinitely.',
  ).default('60s'),
}).describe('OTLP/gRPC listener on port 4317.');

const receivers = z
  .strictObject({
    otlp: withRules(
      z.strictObject({
        grpc: grpcProtocol.prefault({}),
        http: protocol('HTTP', 4318).prefault({}),
        tls: ReceiverTlsSchema.optional(),
        auth: ReceiverAuthSchema.optional(),
      }),
      [
        {
          rule: `${enabledCel('grpc')} || ${enabledCel('http')}`,
          message: 'enable at least one of grpc or http',
          holds: (o) => o.grpc.enabled || o.http.enabled,
        },
      ],
    )
      .describe('The OTLP receiver; the Service exposes the enabled ports.')
      .prefault({}),
  })
  .describe('How the fleet receives data.');

function quantityRule(resource: 'cpu' | 'memory') {
  return {
    rule: `!has(self.limits) || !has(self.requests) || !has(self.limits.${resource}) || !has(self.requests.${resource}) || quantity(string(self.limits.${resource})).compareTo(quantity(string(self.requests.${resource}))) >= 0`,
    message: `limits.${resource} must be at least requests.${resource}`,
    fieldPath: `.limits.${resource}`,
    holds: (r: { limits: Record<typeof resource, string | number>; requests: Record<typeof resource, string | number> }) =>
      parseQuantity(r.limits[resource]) >= parseQuantity(r.requests[resource]),
  };
}

const resources = withRules(
  z.strictObject({
    requests: z
      .strictObject({
        cpu: quantity('CPU the scheduler reserves per collector pod (as much as the limit: the collector uses it all under load).').default('1'),
        memory: quantity('Memory the scheduler reserves per collector pod.').default('512Mi'),
      })
      .describe('Resources reserved for each collector container.')
      .prefault({}),
    limits: z
      .strictObject({
        cpu: quantity(
          'CPU limit of each collector container. One core by default, as much as is requested: the Node collector runs its pipeline on one thread (with its garbage-collection helpers it can use 1.2-1.5 cores), so one core gives it the most spans per requested CPU; an image that uses more cores (spec.image) may be given more.',
        ).default('1'),
        memory: quantity('Memory limit of each collector container; memory_limiter and the V8 heap are sized from it.').default(
          MEMORY_DEFAULTS.memory,
        ),
      })
      .describe('Upper bounds for each collector container.')
      .prefault({}),
  }),
  [quantityRule('cpu'), quantityRule('memory')],
);

const memoryLimiter = z
  .strictObject({
    limitPercent: z
      .number()
      .int()
      .min(10)
      .max(95)
      .default(MEMORY_DEFAULTS.limitPercent)
      .describe('Hard limit (limit_mib) as a percentage of the container memory limit; the rest is GC headroom.'),
    spikePercent: z
      .number()
      .int()
      .min(0)
      .max(50)
      .default(MEMORY_DEFAULTS.spikePercent)
      .describe('Spike allowance (spike_limit_mib) as a percentage of the hard limit; data is refused above hard minus spike.'),
    checkInterval: duration('How often memory usage is measured.').default('1s'),
  })
  .describe('memory_limiter sizing, first processor of every pipeline: it refuses data before the container runs out of memory.');

/** The guide's capacity of one replica (3.1): fixed when given in part, the starting point when learned. */
export const GUIDE_CAPACITY = { spansPerSecond: 10_000, metricPointsPerSecond: 100_000, logRecordsPerSecond: 50_000 };

const capacityPerReplica = z
  .strictObject({
    spansPerSecond: z.number().int().min(1).max(1_000_000_000).default(GUIDE_CAPACITY.spansPerSecond).describe('Spans per second one replica handles.'),
    metricPointsPerSecond: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .default(GUIDE_CAPACITY.metricPointsPerSecond)
      .describe('Metric data points per second one replica handles.'),
    logRecordsPerSecond: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .default(GUIDE_CAPACITY.logRecordsPerSecond)
      .describe('Log records per second one replica handles.'),
  })
  .describe(
    'Throughput one collector replica is sized for; the autoscaler divides the fleet rate by it. Left out (the default), ' +
      "capacity is learned instead: the CPU cost of a span, a metric point and a log record is estimated from the collectors' " +
      'own CPU time and item rates, and one replica carries what its CPU limit (one core at most for the Node collector ' +
      "of this project's image) affords; the guide's figures (10,000 spans/s, 100,000 points/s, 50,000 records/s) " +
      'stand in until then.',
  );

const scaling = withRules(
  z.strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Scale the fleet from measured throughput: the autoscaler writes spec.replicas through the scale subresource and overrides any other writer. When false, spec.replicas is left to kubectl scale, an HPA or KEDA.',
      ),
    minReplicas: z.number().int().min(1).max(1000).default(3).describe('Fewest replicas the autoscaler keeps (3 for high availability).'),
    maxReplicas: z.number().int().min(1).max(1000).default(30).describe('Most replicas the autoscaler runs.'),
    capacityPerReplica: capacityPerReplica.optional(),
    targetUtilization: z
      .number()
      .gt(0)
      .max(1)
      .default(0.7)
      .describe('Fraction of capacityPerReplica each replica should carry; the rest absorbs bursts.'),
    scaleDownStabilizationSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(300)
      .describe('Scale down only to the highest recommendation of this many past seconds.'),
    evaluationPeriodSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(15)
      .describe('How often the fleet is measured and the replica count decided.'),
  }),
  [
    {
      rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must not exceed maxReplicas',
      fieldPath: '.minReplicas',
      holds: (s) => s.minReplicas <= s.maxReplicas,
    },
  ],
).describe('Throughput autoscaling of the fleet.');

export const SpecSchema = withRules(
  z.strictObject({
    signals,
    receivers: receivers.prefault({}),
    processors: ProcessorsSchema.prefault({}),
    exporters: ExportersSchema,
    resources: resources.prefault({}).describe('CPU and memory of each collector container.'),
    memoryLimiter: memoryLimiter.prefault({}),
    scaling: scaling.prefault({}),
    replicas: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(3)
      .describe(
        'Replica count of the fleet (the scale subresource). With scaling.enabled the autoscaler sets it and the fleet runs it within [minReplicas, maxReplicas]; otherwise kubectl scale, an HPA or KEDA set it.',
      ),
    persistence: PersistenceSchema.optional(),
    ...podFields,
  }),
  [
    {
      rule: "!has(self.processors) || !has(self.processors.tailSampling) || !has(self.signals) || 'traces' in self.signals",
      message: 'tailSampling samples traces: signals must include traces',
      fieldPath: '.processors.tailSampling',
      holds: (spec) => spec.processors.tailSampling === undefined || spec.signals.includes('traces'),
    },
    {
      rule: minHeapCel(MEMORY_DEFAULTS),
      message: `leaves the collector less than a ${MIN_HEAP_MIB} MiB heap (limit_mib, limitPercent of the limit, minus the spike allowance): raise resources.limits.memory or memoryLimiter.limitPercent`,
      fieldPath: '.resources.limits.memory',
      holds: (spec) => memorySplit(spec.resources.limits.memory, spec.memoryLimiter.limitPercent, spec.memoryLimiter.spikePercent).heapMiB >= MIN_HEAP_MIB,
    },
  ],
).describe('Desired state of a collector fleet.');

export type TelemetryPipelineSpec = z.output<typeof SpecSchema>;
export type TelemetryPipelineSpecInput = z.input<typeof SpecSchema>;
