// The loadbalancing exporter's config (upstream-style, errors at field paths), its routing of encoded requests, its
// DNS resolver (lookups injected) and the k8s resolver's reading of slices (the static resolver, the sending and the
// k8s resolver against the API server run in test/integration).
import { formatIssue } from '../../../src/collector/config/issues.ts';
import { loadConfigTexts } from '../../../src/collector/config/load.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';
import { HashRing } from '../../../src/collector/exporters/loadbalancing/hash-ring.ts';
import { loadBalancerMetrics } from '../../../src/collector/exporters/loadbalancing/metrics.ts';
import { DnsResolver } from '../../../src/collector/exporters/loadbalancing/resolvers.ts';
import { backendsOf } from '../../../src/collector/exporters/loadbalancing/resolver-k8s.ts';
import { parseServiceName } from '../../../src/collector/exporters/loadbalancing/service-name.ts';
import { route, serviceName } from '../../../src/collector/exporters/loadbalancing/routing.ts';
import { splitByTrace } from '../../../src/collector/otlp/by-trace.ts';
import { jsonToProtobuf, parseRequest } from '../../../src/collector/otlp/index.ts';
import { Telemetry } from '../../../src/collector/telemetry.ts';

function validate(exporter: string) {
  const yaml = `
receivers: {otlp: {protocols: {grpc: }}}
exporters:
  loadbalancing:
${exporter.replace(/^/gm, '    ')}
service: {pipelines: {traces: {receivers: [otlp], exporters: [loadbalancing]}}}
`;
  const raw = loadConfigTexts([{ text: yaml, source: 'test.yaml' }], {});
  const result = validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals);
  return { config: result.config, issues: result.issues.map(formatIssue) };
}

test('upstream README example: static resolver, nested otlp settings, defaults', () => {
  const { config, issues } = validate(`
routing_key: traceID
protocol:
  otlp:
    timeout: 1s
    tls: {insecure: true}
resolver:
  static:
    hostnames: [backend-1:4317, backend-2:4317, backend-3]`);
  expect(issues).toEqual([]);
  expect(config!.exporters.get('loadbalancing')!.config).toMatchObject({
    routing_key: 'traceID',
    protocol: { otlp: { endpoint: 'placeholder:4317', timeout: 1000, tls: { insecure: true }, compression: 'gzip', sending_queue: { enabled: true } } },
    resolver: { static: { hostnames: ['backend-1:4317', 'backend-2:4317', 'backend-3'] } },
  });
});

test('dns resolver defaults and a numeric port', () => {
  const { config, issues } = validate(`
routing_key: service
resolver:
  dns: {hostname: samplers.ns.svc.cluster.local, port: 4317}`);
  expect(issues).toEqual([]);
  expect(config!.exporters.get('loadbalancing')!.config).toMatchObject({
    routing_key: 'service',
    resolver: { dns: { hostname: 'samplers.ns.svc.cluster.local', port: '4317', interval: 5000, timeout: 1000 } },
  });
});

test('k8s resolver: upstream-style service names and defaults', () => {
  const { config, issues } = validate(`
resolver:
  k8s: {service: samplers.observability.svc.cluster.local, ports: [4317, 55690]}`);
  expect(issues).toEqual([]);
  expect(config!.exporters.get('loadbalancing')!.config).toMatchObject({
    resolver: { k8s: { service: 'samplers.observability.svc.cluster.local', ports: [4317, 55690], timeout: 60_000, return_hostnames: false } },
  });
  expect(parseServiceName('samplers.observability.svc.cluster.local')).toEqual({ name: 'samplers', namespace: 'observability' });
  expect(parseServiceName('samplers')).toEqual({ name: 'samplers', namespace: undefined });
});

test('k8s resolver: backends of slices, by address or hostname, IPv6 joined as Go does, no port when none is set', () => {
  const slices = [
    { metadata: { name: 'a' }, endpoints: [{ addresses: ['198.19.250.2'], hostname: 'sampler-1' }, { addresses: ['2001:db8::1'], hostname: 'sampler-0', conditions: { ready: true } }] },
    { metadata: { name: 'b' }, endpoints: [{ addresses: ['198.19.250.3'], hostname: 'sampler-2', conditions: { ready: false } }, { addresses: ['198.19.250.4'] }] },
  ];
  const service = { name: 'samplers', namespace: 'ns' };
  expect(backendsOf(slices, service, [4317], false)).toEqual(['198.19.250.2:4317', '198.19.250.4:4317', '[2001:db8::1]:4317']);
  expect(backendsOf(slices, service, [], false)).toEqual(['198.19.250.2', '198.19.250.4', '2001:db8::1']);
  // An endpoint without a hostname is left out (upstream logs it and counts a failed resolution).
  expect(backendsOf(slices, service, [4317, 4318], true)).toEqual([
    'sampler-0.samplers.ns:4317', 'sampler-0.samplers.ns:4318', 'sampler-1.samplers.ns:4317', 'sampler-1.samplers.ns:4318',
  ]);
});

test.each([
  ['no resolver', 'resolver: {}', ['exporters.loadbalancing.resolver: no resolvers specified for the exporter']],
  ['two resolvers', 'resolver: {static: {hostnames: [a]}, dns: {hostname: b}}', ['exporters.loadbalancing.resolver: only one resolver should be specified']],
  ['empty hostnames', 'resolver: {static: {hostnames: []}}', ['exporters.loadbalancing.resolver.static.hostnames: no endpoints specified for the static resolver']],
  ['no dns hostname', 'resolver: {dns: {port: "4317"}}', ['exporters.loadbalancing.resolver.dns.hostname: no hostname specified to resolve the backends']],
  ['a misspelt otlp field', 'protocol: {otlp: {compresion: gzip}}\nresolver: {static: {hostnames: [a]}}', ['exporters.loadbalancing.protocol.otlp.compresion: unknown field']],
  ['an unknown routing key', 'routing_key: span\nresolver: {static: {hostnames: [a]}}', ['exporters.loadbalancing.routing_key: unsupported routing_key: span']],
  ['metric routing', 'routing_key: metric\nresolver: {static: {hostnames: [a]}}', ['exporters.loadbalancing.routing_key: unsupported: routing_key "metric" (this collector routes traces by traceID or service)']],
  ['k8s without a service', 'resolver: {k8s: {ports: [4317]}}', ['exporters.loadbalancing.resolver.k8s.service: no service specified to resolve the backends']],
  ['k8s: not svc', 'resolver: {k8s: {service: a.b.c.d}}', ['exporters.loadbalancing.resolver.k8s.service: invalid Kubernetes service FQDN: expected third DNS label to be \'svc\' in "a.b.c.d"']],
  ['k8s: no cluster domain', 'resolver: {k8s: {service: a.b.svc}}', ['exporters.loadbalancing.resolver.k8s.service: invalid Kubernetes service FQDN: missing cluster domain in "a.b.svc"']],
  ['k8s: no namespace', 'resolver: {k8s: {service: a..svc.cluster.local}}', ['exporters.loadbalancing.resolver.k8s.service: invalid Kubernetes service FQDN: namespace segment missing in "a..svc.cluster.local"']],
  ['aws cloud map', 'resolver: {aws_cloud_map: {namespace: n, service_name: s}}', ['exporters.loadbalancing.resolver.aws_cloud_map: unsupported: the aws_cloud_map resolver']],
  ['a top-level queue', 'sending_queue: {enabled: false}\nresolver: {static: {hostnames: [a]}}', ['exporters.loadbalancing.sending_queue: unsupported: sending_queue on the loadbalancing exporter itself; set it under protocol.otlp, where each backend\'s exporter applies it']],
])('refused: %s', (_name, body, expected) => {
  expect(validate(body).issues).toEqual(expected);
});

const request = (spans: { traceId: string; service: string }[]) => {
  const resourceSpans = spans.map(({ traceId, service }, i) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ scope: { name: 's' }, spans: [{ traceId, spanId: `00000000000000${String(i).padStart(2, '0')}`, name: `span ${i}` }] }],
  }));
  return parseRequest('traces', jsonToProtobuf('traces', JSON.stringify({ resourceSpans })));
};

const TRACE_A = '0102030405060708090a0b0c0d0e0f10';
const TRACE_B = 'f0e0d0c0b0a090807060504030201000';

test('traceID routing sends each trace to its owner, service routing each resource to its service\'s owner', () => {
  const ring = new HashRing(['127.0.0.1:4317', '127.0.0.1:4318', '127.0.0.1:4319']);
  const payload = request([{ traceId: TRACE_A, service: 'checkout' }, { traceId: TRACE_B, service: 'cart' }, { traceId: TRACE_A, service: 'cart' }]);
  const byTrace = route(ring, 'traceID', payload.resources);
  const ownerA = ring.endpointFor(Buffer.from(TRACE_A, 'hex'))!;
  const ownerB = ring.endpointFor(Buffer.from(TRACE_B, 'hex'))!;
  const keysAt = (endpoint: string) => byTrace.get(endpoint)!.resources.flatMap((entry) => splitByTrace(entry).map((part) => Buffer.from(part.key, 'latin1').toString('hex')));
  expect(keysAt(ownerA)).toContain(TRACE_A);
  expect(keysAt(ownerB)).toContain(TRACE_B);
  expect([...byTrace.values()].reduce((sum, r) => sum + r.items, 0)).toBe(3);
  // Each trace is at exactly one endpoint.
  for (const trace of [TRACE_A, TRACE_B]) expect([...byTrace.keys()].filter((endpoint) => keysAt(endpoint).includes(trace))).toHaveLength(1);

  expect(Buffer.from(serviceName(payload.resources[0]!)!).toString()).toBe('checkout');
  const byService = route(ring, 'service', payload.resources);
  const cartOwner = ring.endpointFor(Buffer.from('cart'))!;
  expect(byService.get(cartOwner)!.resources).toEqual(expect.arrayContaining([payload.resources[1], payload.resources[2]]));
});

test('routing refuses what upstream refuses: no backend yet, no service name', () => {
  const payload = request([{ traceId: TRACE_A, service: 'x' }]);
  expect(() => route(new HashRing([]), 'traceID', payload.resources)).toThrow('couldn\'t find the exporter for the endpoint ""');
  const noService = parseRequest('traces', jsonToProtobuf('traces', JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [{ traceId: TRACE_A, spanId: '0000000000000001', name: 's' }] }] }] })));
  expect(() => route(new HashRing(['a']), 'service', noService.resources)).toThrow('unable to get service name');
});

test('dns resolver: sorted addresses with the port, IPv6 in brackets, changes only when the set changes, counted', async () => {
  const telemetry = new Telemetry();
  const answers: string[][] = [['198.19.250.2', '198.19.250.1', '::1'], ['198.19.250.1', '::1', '198.19.250.2'], ['198.19.250.1']];
  const seen: (readonly string[])[] = [];
  const resolver = new DnsResolver({ hostname: 'samplers', port: '4317', intervalMs: 60_000, timeoutMs: 1_000, lookup: async () => answers.shift()! }, loadBalancerMetrics(telemetry));
  await resolver.start((endpoints) => seen.push(endpoints));
  await resolver.resolve();
  await resolver.resolve();
  resolver.shutdown();
  expect(seen).toEqual([['198.19.250.1:4317', '198.19.250.2:4317', '[::1]:4317'], ['198.19.250.1:4317']]);
  const text = await telemetry.registry.metrics();
  expect(text).toContain('otelcol_loadbalancer_num_resolutions{success="true",resolver="dns"} 3');
  expect(text).toContain('otelcol_loadbalancer_num_backend_updates{resolver="dns"} 2');
  expect(text).toContain('otelcol_loadbalancer_num_backends{resolver="dns"} 1');
});

test('dns resolver: a failed or slow lookup is counted and keeps the backends', async () => {
  const telemetry = new Telemetry();
  const seen: (readonly string[])[] = [];
  let mode: 'ok' | 'fail' | 'slow' = 'ok';
  const lookup = async (_host: string, signal: AbortSignal) => {
    if (mode === 'fail') throw new Error('ENOTFOUND samplers');
    if (mode === 'slow') await new Promise((resolve) => signal.addEventListener('abort', resolve));
    return ['198.19.250.1'];
  };
  const errors: unknown[] = [];
  const resolver = new DnsResolver({ hostname: 'samplers', port: '', intervalMs: 60_000, timeoutMs: 20, lookup, onError: (e) => errors.push(e) }, loadBalancerMetrics(telemetry));
  // As upstream, a failed first lookup does not fail the start.
  mode = 'fail';
  await resolver.start((endpoints) => seen.push(endpoints));
  expect(errors).toHaveLength(1);
  mode = 'ok';
  await resolver.resolve();
  mode = 'fail';
  await expect(resolver.resolve()).rejects.toThrow('ENOTFOUND');
  mode = 'slow';
  await expect(resolver.resolve()).rejects.toThrow();
  resolver.shutdown();
  expect(seen).toEqual([['198.19.250.1']]);
  expect(await telemetry.registry.metrics()).toContain('otelcol_loadbalancer_num_resolutions{success="false",resolver="dns"} 3');
});
