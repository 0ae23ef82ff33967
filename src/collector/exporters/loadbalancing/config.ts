// Config of the `loadbalancing` exporter, as contrib's loadbalancingexporter v0.161.0 reads it: `routing_key`,
// `protocol.otlp` (the otlp gRPC exporter's settings, endpoint excepted, for each backend) and exactly one resolver.
import { z } from 'zod';
import { duration } from '../../config/duration.ts';
import { otlpGrpcConfigSchema } from '../otlp-grpc.ts';
import { parseServiceName } from './service-name.ts';

/** Upstream's placeholder: the nested otlp settings need no endpoint, each backend gets its own. */
const PLACEHOLDER_ENDPOINT = 'placeholder:4317';

const ROUTING_KEYS = ['traceID', 'service'] as const;
const UPSTREAM_ONLY_KEYS = new Set(['metric', 'resource', 'streamID', 'attributes']);

const routingKey = z.string().default('traceID').superRefine((key, ctx) => {
  if (key === '' || (ROUTING_KEYS as readonly string[]).includes(key)) return;
  ctx.addIssue({
    code: 'custom',
    message: UPSTREAM_ONLY_KEYS.has(key)
      ? `unsupported: routing_key "${key}" (this collector routes traces by traceID or service)`
      : `unsupported routing_key: ${key}`,
  });
}).transform((key) => (key === '' ? 'traceID' : key) as (typeof ROUTING_KEYS)[number]);

const otlpProtocol = z.preprocess(
  (value) => (value === null || value === undefined ? { endpoint: PLACEHOLDER_ENDPOINT }
    : typeof value === 'object' && !Array.isArray(value) ? { endpoint: PLACEHOLDER_ENDPOINT, ...value } : value),
  otlpGrpcConfigSchema,
);

const staticResolver = z.strictObject({
  hostnames: z.array(z.string().min(1)).nullish().transform((names) => names ?? []),
}).refine((cfg) => cfg.hostnames.length > 0, { message: 'no endpoints specified for the static resolver', path: ['hostnames'] });

const dnsResolver = z.strictObject({
  hostname: z.string().default(''),
  port: z.union([z.string(), z.number().int().min(0).max(65535).transform(String)]).default(''),
  interval: duration.default(5_000),
  timeout: duration.default(1_000),
}).refine((cfg) => cfg.hostname !== '', { message: 'no hostname specified to resolve the backends', path: ['hostname'] });

const k8sResolver = z.strictObject({
  service: z.string().default(''),
  ports: z.array(z.number().int().min(1).max(65535)).nullish().transform((ports) => ports ?? []),
  timeout: duration.default(60_000),
  return_hostnames: z.boolean().default(false),
}).superRefine((cfg, ctx) => {
  const parsed = parseServiceName(cfg.service);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', path: ['service'], message: parsed.error });
});

const unsupported = (what: string) => z.unknown().superRefine((_value, ctx) => {
  ctx.addIssue({ code: 'custom', message: `unsupported: ${what}` });
});

const resolverSchema = z.strictObject({
  static: staticResolver.nullish(),
  dns: dnsResolver.nullish(),
  k8s: k8sResolver.nullish(),
  aws_cloud_map: unsupported('the aws_cloud_map resolver').optional(),
}).superRefine((cfg, ctx) => {
  const named = (['static', 'dns', 'k8s', 'aws_cloud_map'] as const).filter((key) => key in cfg);
  if (named.length === 0) ctx.addIssue({ code: 'custom', message: 'no resolvers specified for the exporter' });
  if (named.length > 1) ctx.addIssue({ code: 'custom', message: 'only one resolver should be specified' });
});

const perBackend = (field: string) => unsupported(`${field} on the loadbalancing exporter itself; set it under protocol.otlp, where each backend's exporter applies it`).optional();

export const loadBalancingConfigSchema = z.strictObject({
  routing_key: routingKey,
  routing_attributes: unsupported('routing_attributes (routing_key "attributes")').optional(),
  protocol: z.strictObject({ otlp: otlpProtocol }).prefault({ otlp: {} }),
  resolver: resolverSchema,
  timeout: perBackend('timeout'),
  retry_on_failure: perBackend('retry_on_failure'),
  sending_queue: perBackend('sending_queue'),
});

export type LoadBalancingConfig = z.output<typeof loadBalancingConfigSchema>;
export type BackendConfig = LoadBalancingConfig['protocol']['otlp'];

/** Upstream's endpointWithPort: a backend named without a port gets the OTLP gRPC port. */
export function endpointWithPort(endpoint: string): string {
  return endpoint.includes(':') ? endpoint : `${endpoint}:4317`;
}
