// The API server's own floor under the operator benchmark: how long the local control plane takes to
// create BENCH_PIPELINES (1000) bare Services, no operator involved, with as many creates in flight
// as the operator has workers. kube-apiserver (1.33+) allocates each ClusterIP by creating an
// IPAddress object while holding its allocator's lock, so dynamic ClusterIPs are allocated one at a
// time however many requests arrive; headless Services (clusterIP: None) skip the allocator and are
// measured beside them. Writes bench/results/operator-service-floor.json and prints it.
//   node bench/operator/service-floor.ts
// Environment: BENCH_PIPELINES (1000), BENCH_CONCURRENCY (in flight, 10).
import { createNamespace, deleteNamespace, testCluster } from '../../test/integration/operator-helpers.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { summarize } from '../collector/stats.ts';
import { machine, positiveIntEnv, round, writeResult } from './common.ts';

const COUNT = positiveIntEnv('BENCH_PIPELINES', 1000);
const CONCURRENCY = positiveIntEnv('BENCH_CONCURRENCY', 10);

function service(name: string, headless: boolean) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      ...(headless && { clusterIP: 'None' }),
      selector: { app: name },
      ports: [
        { name: 'otlp-grpc', port: 4317, targetPort: 4317 },
        { name: 'otlp-http', port: 4318, targetPort: 4318 },
      ],
    },
  };
}

async function createAll(client: KubeClient, namespace: string, headless: boolean) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COUNT) {
        const name = `svc-${next++}`;
        const start = performance.now();
        await client.request('POST', `/api/v1/namespaces/${namespace}/services`, { body: service(name, headless) });
        latencies.push(performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const { p50, p99 } = summarize(latencies);
  return {
    seconds: round(seconds),
    perSecond: round(COUNT / seconds, 1),
    createMs: { mean: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 1), p50: round(p50, 1), p99: round(p99, 1) },
  };
}

const { client } = await testCluster();
const results: Record<string, unknown> = {};
try {
  for (const [label, headless] of [['clusterIP', false], ['headless', true]] as const) {
    const ns = await createNamespace(client, `bench-svc-${label.toLowerCase()}`);
    try {
      process.stderr.write(`[bench:service-floor] creating ${COUNT} ${label} Services, ${CONCURRENCY} in flight\n`);
      results[label] = await createAll(client, ns, headless);
    } finally {
      await deleteNamespace(client, ns);
    }
  }
  const result = {
    benchmark: 'operator-service-floor',
    startedAt: new Date().toISOString(),
    machine: machine(),
    config: { services: COUNT, inFlight: CONCURRENCY },
    ...results,
  };
  writeResult('operator-service-floor', result);
} finally {
  client.close();
}
