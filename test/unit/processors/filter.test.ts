// filter processor on requests from the OpenTelemetry JS SDK serializers: OTTL conditions, the legacy
// include/exclude form, removal of emptied containers, telemetry and config errors.
import { parseRequest } from '../../../src/collector/otlp/index.ts';
import { filterProcessorFactory } from '../../../src/collector/processors/filter.ts';
import { checkoutResource, makeLogs, makeMetrics, makeSpans, paymentResource, sdkProtobuf } from '../otlp/sdk-fixtures.ts';
import { attributesOf, configErrors, counterValue, itemOf, items, runProcessor } from './harness.ts';

// Spans: GET /cart (server), SELECT carts (client), POST /pay (client, error), healthcheck; twice: checkout and payment.
const spans = () => parseRequest('traces', sdkProtobuf('traces', [...makeSpans(checkoutResource), ...makeSpans(paymentResource)]));

async function keptSpanNames(config: unknown): Promise<string[]> {
  const { outputs } = await runProcessor(filterProcessorFactory, config, 'traces', [spans()]);
  return items('traces', outputs).map((entry) => `${attributesOf(entry.resource)['service.name']}:${itemOf(entry).name}`);
}

const ALL = ['GET /cart', 'SELECT carts', 'POST /pay', 'healthcheck'];
const both = (names: string[]) => [...names.map((name) => `checkout:${name}`), ...names.map((name) => `payment:${name}`)];

describe('filter processor on spans', () => {
  test.each<[string, unknown, string[]]>([
    ['OTTL attribute equality', { traces: { span: ['attributes["http.route"] == "/healthz"'] } }, both(['GET /cart', 'SELECT carts', 'POST /pay'])],
    ['OTTL IsMatch on name, or', { traces: { span: ['IsMatch(name, "^(GET|POST) ")', 'name == "healthcheck"'] } }, both(['SELECT carts'])],
    ['OTTL and, not, parentheses, resource attributes', { traces: { span: ['resource.attributes["service.name"] == "payment" and not (name == "POST /pay" or attributes["db.system"] != nil)'] } },
      [...both(['GET /cart', 'SELECT carts', 'POST /pay', 'healthcheck']).slice(0, 4), 'payment:SELECT carts', 'payment:POST /pay']],
    ['OTTL typed comparison: an int attribute never equals a string', { traces: { span: ['attributes["http.response.status_code"] == "200"'] } }, both(ALL)],
    ['OTTL numeric comparison', { traces: { span: ['attributes["http.response.status_code"] >= 200'] } }, both(['SELECT carts', 'POST /pay', 'healthcheck'])],
    ['OTTL context prefix', { traces: { span: ['span.name == "healthcheck"'] } }, both(['GET /cart', 'SELECT carts', 'POST /pay'])],
    ['legacy exclude by span name regexp (unanchored)', { spans: { exclude: { match_type: 'regexp', span_names: ['cart'] } } }, both(['POST /pay', 'healthcheck'])],
    ['legacy include by service', { spans: { include: { match_type: 'strict', services: ['payment'] } } }, ALL.map((name) => `payment:${name}`)],
    ['legacy attributes match by typed value', { spans: { exclude: { match_type: 'strict', attributes: [{ Key: 'http.response.status_code', Value: 200 }] } } }, both(['SELECT carts', 'POST /pay', 'healthcheck'])],
    ['legacy attribute regexp on the value text', { spans: { exclude: { match_type: 'regexp', attributes: [{ key: 'http.request.method', value: '^P' }] } } }, both(['GET /cart', 'SELECT carts', 'healthcheck'])],
    ['legacy span kinds and libraries', { spans: { include: { match_type: 'strict', span_kinds: ['SPAN_KIND_CLIENT'], libraries: [{ name: 'shop.checkout', version: '2.1.0' }] } } }, both(['SELECT carts', 'POST /pay'])],
    ['legacy include then exclude', { spans: { include: { match_type: 'strict', services: ['checkout'] }, exclude: { match_type: 'strict', span_names: ['healthcheck'] } } }, ['GET /cart', 'SELECT carts', 'POST /pay'].map((n) => `checkout:${n}`)],
  ])('%s', async (_name, config, expected) => {
    expect(await keptSpanNames(config)).toEqual(expected);
  });

  test('a filter that drops everything passes nothing on, and counts what it dropped', async () => {
    const payload = spans();
    const { outputs, telemetry } = await runProcessor(filterProcessorFactory, { traces: { span: ['true'] } }, 'traces', [payload]);
    expect(outputs).toEqual([]);
    expect(await counterValue(telemetry, 'otelcol_processor_filter_spans_filtered', { filter: 'filter/test' })).toBe(payload.items);
  });

  test('resources whose spans are all dropped are removed', async () => {
    const { outputs } = await runProcessor(filterProcessorFactory, { traces: { span: ['resource.attributes["service.name"] == "checkout"'] } }, 'traces', [spans()]);
    expect(outputs[0]!.resources).toHaveLength(1);
    expect(outputs[0]!.items).toBe(4);
  });

  test('no conditions for the signal: payloads pass unchanged', async () => {
    const payload = spans();
    const { outputs } = await runProcessor(filterProcessorFactory, { logs: { log_record: ['true'] } }, 'traces', [payload]);
    expect(outputs).toEqual([payload]);
  });
});

describe('filter processor on logs', () => {
  const logs = () => parseRequest('logs', sdkProtobuf('logs', makeLogs()));
  const kept = async (config: unknown) => {
    const { outputs } = await runProcessor(filterProcessorFactory, config, 'logs', [logs()]);
    return items('logs', outputs).map((entry) => itemOf(entry).severityText ?? itemOf(entry).eventName ?? '-');
  };
  test.each<[string, unknown, string[]]>([
    ['OTTL severity number', { logs: { log_record: ['severity_number < 9'] } }, ['INFO', 'ERROR']],
    ['OTTL body match', { logs: { log_record: ['IsMatch(body, "^order")'] } }, ['ERROR', '-', 'checkout.done']],
    ['OTTL attribute', { logs: { log_record: ['attributes["order.id"] == "o-2"', 'event_name == "checkout.done"'] } }, ['INFO', '-']],
    ['legacy include by severity', { logs: { include: { match_type: 'strict', severity_number: { min: 'warn', match_undefined: false } } } }, ['ERROR']],
    ['legacy exclude by record attribute regexp', { logs: { exclude: { match_type: 'regexp', record_attributes: [{ key: 'order.id', value: 'o-\\d' }] } } }, ['-', 'checkout.done']],
    ['legacy include by body', { logs: { include: { match_type: 'strict', bodies: ['done'] } } }, ['checkout.done']],
  ])('%s', async (_name, config, expected) => {
    expect(await kept(config)).toEqual(expected);
  });
});

describe('filter processor on metrics', () => {
  const points = async (config: unknown) => {
    const payload = parseRequest('metrics', sdkProtobuf('metrics', [await makeMetrics()]));
    const { outputs } = await runProcessor(filterProcessorFactory, config, 'metrics', [payload]);
    return items('metrics', outputs).map((entry) => entry.metric as string);
  };
  const ALL_POINTS = ['checkout.payload.size', 'checkout.orders', 'checkout.orders', 'checkout.inflight', 'checkout.inflight', 'checkout.latency', 'checkout.latency', 'checkout.temperature', 'checkout.temperature'];

  test.each<[string, unknown, string[]]>([
    ['datapoint attributes', { metrics: { datapoint: ['attributes["payment.method"] == "cash"', 'attributes["route"] == "/pay"'] } }, ALL_POINTS.filter((_, i) => i !== 2 && i !== 6)],
    ['datapoint metric.name removes the metric', { metrics: { datapoint: ['metric.name == "checkout.inflight"'] } }, ALL_POINTS.filter((name) => name !== 'checkout.inflight')],
    ['metric name regex', { metrics: { metric: ['IsMatch(name, "latency|temperature")'] } }, ALL_POINTS.slice(0, 5)],
    ['legacy exclude metric names', { metrics: { exclude: { match_type: 'regexp', metric_names: ['^checkout\\.(orders|inflight)$'] } } }, ALL_POINTS.filter((name) => !/orders|inflight/.test(name))],
    ['legacy include by resource attribute', { metrics: { include: { match_type: 'strict', resource_attributes: [{ key: 'service.name', value: 'payment' }] } } }, []],
  ])('%s', async (_name, config, expected) => {
    expect(await points(config)).toEqual(expected);
  });
});

describe('filter processor config', () => {
  test.each<[string, unknown, string]>([
    ['unsupported OTTL function', { traces: { span: ['name == "a"', 'IsString(attributes["x"])'] } }, 'traces.span.1: unsupported path "IsString"'],
    ['unsupported OTTL path', { traces: { span: ['events == 2'] } }, 'traces.span.0: unsupported path "events" in the span context'],
    ['enum of another context', { traces: { span: ['kind == SEVERITY_NUMBER_INFO'] } }, 'traces.span.0: unsupported path "SEVERITY_NUMBER_INFO" in the span context'],
    ['mixed condition styles', { trace_conditions: ['span.name == "a"', { conditions: ['span.name == "b"'] }] }, 'trace_conditions: configuring multiple configuration styles is not supported'],
    ['a context the signal lacks', { log_conditions: ['span.name == "a"'] }, 'log_conditions.0: context "span" is not valid for logs'],
    ['an unknown context', { trace_conditions: [{ context: 'event', conditions: ['name == "a"'] }] }, 'trace_conditions.0: unknown context event'],
    ['no context to infer', { trace_conditions: ['name == "a"'] }, 'trace_conditions.0: unable to infer the context'],
    ['inferred and per-context conditions together', { trace_conditions: ['span.name == "a"'], traces: { span: ['true'] } }, 'trace_conditions: cannot use context inferred trace conditions'],
    ['attributes in the metric context', { metrics: { metric: ['attributes["a"] == "b"'] } }, 'metrics.metric.0: unsupported path "attributes["a"]" in the metric context'],
    ['syntax error', { logs: { log_record: ['severity_text == '] } }, 'logs.log_record.0: unexpected end of condition'],
    ['invalid regex in IsMatch', { traces: { span: ['IsMatch(name, "(")'] } }, 'traces.span.0: invalid regular expression "("'],
    ['span events', { traces: { spanevent: ['name == "x"'] } }, 'traces.spanevent: unsupported: span event conditions (traces.spanevent)'],
    ['OTTL and include/exclude together', { spans: { exclude: { match_type: 'strict', span_names: ['a'] } }, traces: { span: ['true'] } }, 'traces: cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings "spans.include", "spans.exclude" at the same time'],
    ['expr match type', { metrics: { exclude: { match_type: 'expr', expressions: ['MetricName == "a"'] } } }, 'metrics.exclude.match_type: unsupported: match_type "expr"'],
    ['empty legacy span properties', { spans: { include: { match_type: 'strict' } } }, 'spans.include: at least one of "attributes", "libraries",  or "resources" field must be specified'],
    ['regexp attribute value that is not a string', { spans: { include: { match_type: 'regexp', attributes: [{ key: 'a', value: 3 }] } } }, 'spans.include.attributes.0.value: match_type=regexp for "a" only supports Str'],
    ['bad severity', { logs: { include: { match_type: 'strict', severity_number: { min: 'loud' } } } }, "logs.include.severity_number.min: 'loud' is not a valid severity"],
    ['log field in span properties', { spans: { include: { match_type: 'strict', span_names: ['a'], log_bodies: ['x'] } } }, 'spans.include.log_bodies: log_bodies should not be specified for trace spans'],
    ['unknown field', { spans: { include: { match_type: 'strict', span_names: ['a'], bodies: ['x'] } } }, 'spans.include: Unrecognized key: "bodies"'],
  ])('%s', (_name, config, message) => {
    expect(configErrors(filterProcessorFactory, config).join('\n')).toContain(message);
  });
});
