// The rendered collector config runs on the upstream OpenTelemetry Collector too: `otelcol validate` of the
// reference build (bench/collector), which carries every component a rendered config names (the test fails if one
// is missing). The binary is built when missing (test/support/upstream-collector.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { renderFleet } from '../../src/operator/render/index.ts';
import { renderTieredFleet } from '../../src/operator/render/tiers.ts';
import { BACKEND, pipeline } from '../unit/render/fixtures.ts';
import { UPSTREAM_COLLECTOR } from '../support/upstream-collector.ts';

const binary = UPSTREAM_COLLECTOR;
const KINDS = ['receivers', 'processors', 'exporters', 'extensions'] as const;

/** Component types of the build, e.g. { exporters: ['otlp_grpc', ...] }. */
function buildComponents(): Record<string, string[]> {
  const listing = parse(execFileSync(binary, ['components'], { encoding: 'utf8' })) as Record<string, { name: string }[] | null>;
  return Object.fromEntries(KINDS.map((kind) => [kind, (listing[kind] ?? []).map((c) => c.name)]));
}

// The build lists the new names; the rendered config uses the aliases upstream keeps for them.
const ALIASES: Record<string, string> = { otlp: 'otlp_grpc', otlphttp: 'otlp_http' };

function prune(config: any, components: Record<string, string[]>): { config: any; removed: string[] } {
  const removed: string[] = [];
  for (const kind of KINDS) {
    for (const id of Object.keys(config[kind] ?? {})) {
      const type = id.split('/')[0]!;
      if (!components[kind]!.includes(ALIASES[type] ?? type) && !components[kind]!.includes(type)) {
        delete config[kind][id];
        removed.push(id);
      }
    }
  }
  config.service.extensions = (config.service.extensions ?? []).filter((id: string) => !removed.includes(id));
  for (const p of Object.values<any>(config.service.pipelines)) p.processors = p.processors.filter((id: string) => !removed.includes(id));
  return { config, removed };
}

test('otelcol validate accepts the rendered config', () => {
  const fleet = renderFleet(
    pipeline({
      exporters: [
        { ...BACKEND, otlp: { ...BACKEND.otlp, headers: { 'x-api-key': 'k$1' } } },
        { name: 'archive', otlphttp: { endpoint: 'http://archive.observability.svc:4318', compression: 'none' } },
      ],
      processors: {
        batch: { profile: 'lowLatency' },
        attributes: [
          { action: 'delete', pattern: '^internal\\..*' },
          { action: 'upsert', key: 'env', value: 'prod' },
          { action: 'hash', key: 'user.email' },
        ],
        filter: { spans: { nameMatches: ['^health$'] } },
        sampling: { percentage: 10 },
      },
    }),
    { image: 'x', replicas: 1 },
  );
  expectUpstreamAccepts(fleet);
});

test('otelcol validate accepts the rendered TLS, client certificates and bearer tokens', () => {
  const fleet = renderFleet(
    pipeline({
      receivers: { otlp: { tls: { certificateSecret: { name: 'collector-tls' }, clientCASecret: { name: 'clients-ca' } }, auth: { bearerTokenSecret: { name: 'otlp-token' } } } },
      exporters: [
        { name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317', tls: { caSecret: { name: 'backend-ca' }, certificateSecret: { name: 'backend-client' } }, auth: { bearerTokenSecret: { name: 'backend-token', key: 'value' } } } },
        { name: 'archive', otlphttp: { endpoint: 'https://archive.observability.svc:4318', tls: { insecureSkipVerify: true }, auth: { bearerTokenSecret: { name: 'archive-token' } } } },
      ],
    }),
    { image: 'x', replicas: 1 },
  );
  expectUpstreamAccepts(fleet);
});

// The routing tier's loadbalancing exporter is not in the build (bench/collector: the module proxy refuses one of its
// dependencies), so only the sampling tier's config is checked here.
test('otelcol validate accepts the sampling tier: the guide\'s four policies, and, composite, decision cache', () => {
  const guide = [
    { name: 'errors', type: 'statusCode', statusCode: { statusCodes: ['ERROR'] } },
    { name: 'slow', type: 'latency', latency: { thresholdMs: 1000 } },
    { name: 'vip', type: 'stringAttribute', stringAttribute: { key: 'customer.tier', values: ['vip', '^gold-.*'], enabledRegexMatching: true } },
    { name: 'ten-percent', type: 'probabilistic', probabilistic: { samplingPercentage: 10 } },
  ];
  const tiered = renderTieredFleet(
    pipeline({
      processors: {
        filter: { spans: { nameMatches: ['^health$'] } },
        tailSampling: {
          decisionWait: '10s',
          decisionCache: { sampledCacheSize: 1000, nonSampledCacheSize: 5000 },
          policies: [
            ...guide,
            { name: 'big-errors', type: 'and', and: { andSubPolicy: [guide[0], { name: 'many', type: 'numericAttribute', numericAttribute: { key: 'items', minValue: 100 } }] } },
            { name: 'budget', type: 'composite', composite: { maxTotalSpansPerSecond: 500, policyOrder: ['e', 's'], compositeSubPolicy: [{ ...guide[0], name: 'e' }, { ...guide[1], name: 's' }], rateAllocation: [{ policy: 'e', percent: 50 }] } },
          ],
        },
      },
    }),
    { image: 'x', replicas: 1 },
  );
  expectUpstreamAccepts(tiered.sampler!);
});

function expectUpstreamAccepts(fleet: Pick<ReturnType<typeof renderFleet>, 'configMap'>): void {
  const { config, removed } = prune(parse(fleet.configMap.data!['config.yaml']!), buildComponents());
  expect(removed).toEqual([]);
  const dir = mkdtempSync(join(tmpdir(), 'tpo-upstream-'));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(config));
    const run = () => execFileSync(binary, ['validate', '--config', file], { encoding: 'utf8', env: { POD_IP: '127.0.0.1' }, stdio: 'pipe' });
    expect(run).not.toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
