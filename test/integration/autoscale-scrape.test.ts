// The scraper against real /metrics endpoints on loopback addresses: prom-client registries (our
// collector's Telemetry and one with the `_total` names), misbehaving servers, a real
// `tpo collector` process and, when it has been built (node bench/collector/build-otelcol.ts), the
// pinned upstream collector.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Counter, Gauge, Registry } from 'prom-client';
import { Telemetry } from '../../src/collector/telemetry.ts';
import { EMPTY_HISTORY } from '../../src/operator/autoscale/behavior.ts';
import { decide } from '../../src/operator/autoscale/decision.ts';
import { computeRates, EMPTY_RATE_STATE, type PodScrape } from '../../src/operator/autoscale/rates.ts';
import { scrapePod, scrapePods, type ScrapeTarget } from '../../src/operator/autoscale/scrape.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from '../support/wait.ts';
import { UPSTREAM_COLLECTOR } from '../support/upstream-collector.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const servers: Server[] = [];

function listen(ip: string, port: number, handler: (res: ServerResponse) => void): Promise<number> {
  const server = createServer((_req, res) => handler(res));
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve((server.address() as { port: number }).port));
  });
}

const serve = (registry: Registry) => (res: ServerResponse) => {
  void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
};

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('scrapePods against prom-client registries', () => {
  let port: number;
  const ours = new Telemetry();
  const upstreamNames = new Registry();
  const accepted = new Counter({ name: 'otelcol_receiver_accepted_spans_total', help: 'h', labelNames: ['receiver', 'transport'], registers: [upstreamNames] });
  const refused = new Counter({ name: 'otelcol_receiver_refused_spans_total', help: 'h', labelNames: ['receiver', 'transport'], registers: [upstreamNames] });
  const queueSize = new Gauge({ name: 'otelcol_exporter_queue_size', help: 'h', labelNames: ['exporter'], registers: [upstreamNames] });
  const queueCapacity = new Gauge({ name: 'otelcol_exporter_queue_capacity', help: 'h', labelNames: ['exporter'], registers: [upstreamNames] });
  const sent = new Counter({ name: 'otelcol_exporter_sent_spans_total', help: 'h', registers: [upstreamNames] });

  beforeAll(async () => {
    port = await listen('127.0.0.2', 0, serve(ours.registry));
    await listen('127.0.0.3', port, serve(upstreamNames));
    await listen('127.0.0.4', port, () => undefined); // accepts, never answers
    await listen('127.0.0.5', port, (res) => res.writeHead(500).end('boom'));
    await listen('127.0.0.6', port, (res) => res.writeHead(200).end('otelcol_receiver_accepted_spans{receiver="otlp" 1\n'));
    await listen('127.0.0.7', port, (res) => res.writeHead(200).end(`# ${'x'.repeat(200_000)}\n`));
  });

  const targets: ScrapeTarget[] = [
    { pod: 'ours', ip: '127.0.0.2' },
    { pod: 'upstream-names', ip: '127.0.0.3' },
    { pod: 'silent', ip: '127.0.0.4' },
    { pod: 'error', ip: '127.0.0.5' },
    { pod: 'malformed', ip: '127.0.0.6' },
    { pod: 'huge', ip: '127.0.0.7' },
    { pod: 'nobody', ip: '127.0.0.8' },
  ];

  test('two scrapes give per-pod rates and a decision; every failure is a named missing pod', async () => {
    let clock = 1_000_000;
    const options = { port, timeoutMs: 300, maxBytes: 100_000, now: () => clock };
    const first = await scrapePods(targets, options);
    expect(first.map((s) => s.pod)).toEqual(targets.map((t) => t.pod));

    ours.receiver('otlp', 'grpc').accepted('traces', 1_000);
    ours.receiver('otlp', 'http').accepted('metrics', 2_000);
    accepted.inc({ receiver: 'otlp', transport: 'grpc' }, 600);
    accepted.inc({ receiver: 'otlp', transport: 'http' }, 400);
    refused.inc({ receiver: 'otlp', transport: 'grpc' }, 100);
    sent.inc(900);
    queueSize.set({ exporter: 'otlp' }, 50);
    queueCapacity.set({ exporter: 'otlp' }, 100);
    // One second on the fake clock: our Telemetry reports its real uptime, and a process younger
    // than the scrape interval would read as restarted.
    clock += 1_000;
    const second = await scrapePods(targets, options);

    const errors = Object.fromEntries(second.map((s) => [s.pod, s.result.ok ? 'ok' : s.result.error]));
    expect(errors).toEqual({
      ours: 'ok',
      'upstream-names': 'ok',
      silent: `http://127.0.0.4:${port}/metrics: timed out after 300 ms`,
      error: `http://127.0.0.5:${port}/metrics: HTTP 500`,
      malformed: `http://127.0.0.6:${port}/metrics: metrics text line 1: expected , or } after label receiver`,
      huge: `http://127.0.0.7:${port}/metrics: response larger than 100000 bytes`,
      nobody: `http://127.0.0.8:${port}/metrics: fetch failed: ECONNREFUSED`,
    });

    const { pods } = computeRates(computeRates(EMPTY_RATE_STATE, first).state, second);
    const byPod = Object.fromEntries(pods.map((p) => [p.pod, p]));
    expect(byPod.ours).toMatchObject({ status: 'measured', accepted: { spans: 1000, metricPoints: 2000, logRecords: 0 } });
    expect(byPod['upstream-names']).toMatchObject({ status: 'measured', accepted: { spans: 1000 }, refused: { spans: 100 }, queueFill: 0.5 });

    const decision = decide({
      pods,
      spec: {
        minReplicas: 1,
        maxReplicas: 10,
        capacityPerReplica: { spansPerSecond: 1000, metricPointsPerSecond: 100_000, logRecordsPerSecond: 50_000 },
        targetUtilization: 0.7,
        scaleDownStabilizationSeconds: 300,
      },
      currentReplicas: 7,
      history: EMPTY_HISTORY,
      now: clock,
    });
    // Refusals saturate: demand 2,100 spans/s measured, 5 unreachable pods counted idle for the scale-up.
    expect(decision.desiredReplicas).toBe(8);
    expect(decision.reason).toContain('saturated, 100 spans/s refused (5% of offered)');
    expect(decision.reason).toContain('5 of 7 pods not measured (0 starting, 5 unreachable)');
  });

  test('concurrency is bounded', async () => {
    let inFlight = 0;
    let most = 0;
    const slowPort = await listen('127.0.0.20', 0, (res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200).end('otelcol_receiver_accepted_spans 1\n');
      }, 50);
    });
    for (let i = 21; i < 30; i++) {
      await listen(`127.0.0.${i}`, slowPort, (res) => {
        most = Math.max(most, ++inFlight);
        setTimeout(() => {
          inFlight--;
          res.writeHead(200).end('otelcol_receiver_accepted_spans 1\n');
        }, 50);
      });
    }
    const many = Array.from({ length: 10 }, (_, i) => ({ pod: `p${i}`, ip: `127.0.0.${20 + i}` }));
    const results = await scrapePods(many, { port: slowPort, concurrency: 3 });
    expect(results.every((r) => r.result.ok)).toBe(true);
    expect(most).toBe(3);
  });
});

// A collector whose backend is down (a closed loopback port, no retries): every span is accepted
// and then fails to send.
function failingBackendConfig(otlpPort: number, metricsPort: number): string {
  return `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${otlpPort}"}}}}
processors: {memory_limiter: {check_interval: 1s, limit_mib: 400}, batch: {timeout: 100ms}}
exporters: {otlphttp: {endpoint: "http://127.0.0.1:1", retry_on_failure: {enabled: false}, sending_queue: {queue_size: 100}}}
service:
  telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metricsPort}}}}}]}}
  pipelines: {traces: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlphttp]}}
`;
}

const UPSTREAM = UPSTREAM_COLLECTOR;
const collectors: [string, string[]][] = [
  ['tpo collector', [process.execPath, join(ROOT, 'src/cli.ts'), 'collector', '--config']],
  ['upstream collector (bench build)', [UPSTREAM, '--config']] as [string, string[]],
];

describe.each(collectors)('scrapePod against the %s', (_name, command) => {
  let child: ChildProcess;
  let otlpPort: number;
  let metricsPort: number;

  beforeAll(async () => {
    [otlpPort, metricsPort] = [await freePort(), await freePort()];
    const config = join(mkdtempSync(join(tmpdir(), 'tpo-autoscale-')), 'config.yaml');
    writeFileSync(config, failingBackendConfig(otlpPort, metricsPort));
    const [bin, ...args] = command as [string, ...string[]];
    child = spawn(bin, [...args, config], { stdio: 'ignore' });
    await waitFor('the collector to serve metrics', async () => (await scrapePod({ pod: 'c', ip: '127.0.0.1' }, { port: metricsPort })).result.ok, 15_000, 100);
  });

  afterAll(() => {
    child?.kill();
  });

  test('accepted spans, send failures, queue and uptime are read from the real names', async () => {
    const target = { pod: 'collector', ip: '127.0.0.1' };
    const first = await scrapePod(target, { port: metricsPort });
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${otlpPort}/v1/traces` }))],
    });
    const tracer = provider.getTracer('autoscale-test');
    for (let i = 0; i < 40; i++) tracer.startSpan(`span-${i}`).end();
    await provider.forceFlush();
    await provider.shutdown();

    let second: PodScrape | undefined;
    await waitFor('40 failed spans in the scrape', async () => {
      second = await scrapePod(target, { port: metricsPort });
      return second.result.ok && second.result.snapshot.sendFailed.spans === 40;
    }, 15_000, 100);
    const snapshot = second?.result.ok ? second.result.snapshot : undefined;
    expect(snapshot?.accepted.spans).toBe(40);
    expect(snapshot?.queues).toHaveLength(1);
    expect(snapshot?.queues[0]).toMatchObject({ size: 0, capacity: 100 });
    expect(snapshot?.uptimeSeconds).toBeGreaterThan(0);
    const { pods } = computeRates(computeRates(EMPTY_RATE_STATE, [first]).state, [second as PodScrape]);
    const pod = pods[0];
    expect(pod?.status).toBe('measured');
    if (pod?.status !== 'measured') return;
    expect(pod.reset).toBe(false);
    expect(pod.accepted.spans * pod.intervalSeconds).toBeCloseTo(40);
    expect(pod.sendFailed.spans * pod.intervalSeconds).toBeCloseTo(40);
  });
});
