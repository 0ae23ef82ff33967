// filter processor: upstream's (v0.161.0) and ours drop the same items and count them alike, for OTTL conditions
// (per context and context-inferred, with enums) and the legacy include/exclude form.
import type { Signal } from '../../src/collector/component.ts';
import { startDifferential, type Differential } from './support/differential.ts';
import { REQUESTS } from './support/inputs.ts';

const CASES: [string, Record<string, unknown>, Signal[]][] = [
  ['span kind and status enums', { error_mode: 'ignore', traces: { span: ['kind == SPAN_KIND_SERVER', 'status.code == STATUS_CODE_ERROR'] } }, ['traces']],
  ['span names, attributes and ids', { traces: { span: ['IsMatch(name, "^(GET|POST) ")', 'attributes["http.response.status_code"] >= 500', 'trace_id.string == "00000000000000000707070707070707"'] } }, ['traces']],
  ['resource and scope paths from the span context', { traces: { span: ['resource.attributes["service.name"] == "payment" and instrumentation_scope.name == "custom-lib"'] } }, ['traces']],
  ['resource conditions', { traces: { resource: ['attributes["service.name"] == "checkout"'] }, logs: { resource: ['attributes["host.name"] != nil'] }, metrics: { resource: ['attributes["k8s.namespace.name"] == "shop"'] } }, ['traces', 'logs', 'metrics']],
  ['trace_conditions inferred from their paths', { trace_conditions: ['span.kind == SPAN_KIND_CLIENT', 'resource.attributes["service.name"] == "payment" and span.name == "publish"'] }, ['traces']],
  ['trace_conditions groups with contexts', { trace_conditions: [{ context: 'resource', conditions: ['attributes["deployment.environment"] == "prod"'] }, { context: 'span', conditions: ['name == "health"'] }] }, ['traces']],
  ['severity enums and log paths', { logs: { log_record: ['severity_number >= SEVERITY_NUMBER_WARN', 'IsMatch(body, "logged")', 'severity_text == ""'] } }, ['logs']],
  ['log_conditions', { log_conditions: ['log.severity_number < SEVERITY_NUMBER_INFO and log.severity_number != SEVERITY_NUMBER_UNSPECIFIED', 'scope.name == "custom-lib"'] }, ['logs']],
  ['metric paths and enums', { metrics: { metric: ['type == METRIC_DATA_TYPE_SUM and aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE', 'unit == "s" and name == "checkout.inflight"'] } }, ['metrics']],
  ['datapoint conditions', { metrics: { datapoint: ['metric.name == "system.cpu.time"', 'attributes["flag"] == true'] } }, ['metrics']],
  ['metric_conditions', { metric_conditions: ['metric.is_monotonic == true', 'datapoint.attributes["neg"] == -7'] }, ['metrics']],
  ['legacy spans include/exclude', { spans: { include: { match_type: 'regexp', span_names: ['^(GET|POST|SELECT) '] }, exclude: { match_type: 'strict', services: ['payment'] } } }, ['traces']],
  ['legacy span kinds and libraries', { spans: { exclude: { match_type: 'strict', span_kinds: ['SPAN_KIND_INTERNAL'], libraries: [{ name: 'io.opentelemetry.http', version: '1.2.0' }] } } }, ['traces']],
  ['legacy logs', { logs: { exclude: { match_type: 'regexp', bodies: ['payment|structured'], severity_number: { min: 'WARN', match_undefined: true } } } }, ['logs']],
  ['legacy logs include by record attributes', { logs: { include: { match_type: 'strict', record_attributes: [{ key: 'http.response.status_code', value: 200 }] } } }, ['logs']],
  ['legacy metrics', { metrics: { exclude: { match_type: 'regexp', metric_names: ['^checkout\\.'] }, include: { match_type: 'strict', resource_attributes: [{ key: 'service.name', value: 'checkout' }] } } }, ['metrics']],
];

describe.each(CASES)('filter: %s', (_name, config, signals) => {
  let pair: Differential;
  beforeAll(async () => {
    pair = await startDifferential({ processors: { filter: config }, pipelines: Object.fromEntries(signals.map((s) => [s, ['filter']])) });
  });
  afterAll(() => pair?.stop());

  test.each(signals)('%s: the same items pass', async (signal) => {
    const input = REQUESTS[signal]();
    const { ours, upstream } = await pair.send(signal, input);
    expect(ours).toEqual(upstream);
    // Some items pass and (counted below) some are dropped, or the case proves little.
    expect(upstream.length).toBeGreaterThan(0);
  });

  test('the same items counted as filtered', async () => {
    const counted = (text: string) => text.split('\n').filter((line) => line.startsWith('otelcol_processor_filter_')).sort();
    const { ours, upstream } = await pair.metrics();
    expect(counted(ours)).toEqual(counted(upstream));
    expect(counted(upstream).length).toBeGreaterThan(0);
  });
});
