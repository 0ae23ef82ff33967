import { parsePrometheusText, PromParseError } from '../../../src/operator/autoscale/prom-text.ts';

describe('parsePrometheusText', () => {
  test('reads samples, labels, escapes, special values and timestamps', () => {
    const { samples, types } = parsePrometheusText(
      [
        '# HELP otelcol_receiver_accepted_spans Items accepted\\n (spans)',
        '# TYPE otelcol_receiver_accepted_spans counter',
        'otelcol_receiver_accepted_spans{receiver="otlp",transport="grpc"} 1027',
        'otelcol_receiver_accepted_spans{receiver="otlp",transport="http",} 3e2',
        '  # a plain comment',
        '',
        'quoted{v="a\\"b\\\\c\\nd"} -Inf',
        'nan_metric NaN',
        'stamped 1.5 1700000000000',
        'spaced { a = "1" , b="2" }\t+Inf',
        '# EOF',
      ].join('\n'),
    );
    expect(types.get('otelcol_receiver_accepted_spans')).toBe('counter');
    expect(samples).toEqual([
      { name: 'otelcol_receiver_accepted_spans', labels: { receiver: 'otlp', transport: 'grpc' }, value: 1027 },
      { name: 'otelcol_receiver_accepted_spans', labels: { receiver: 'otlp', transport: 'http' }, value: 300 },
      { name: 'quoted', labels: { v: 'a"b\\c\nd' }, value: Number.NEGATIVE_INFINITY },
      { name: 'nan_metric', labels: {}, value: Number.NaN },
      { name: 'stamped', labels: {}, value: 1.5, timestampMs: 1_700_000_000_000 },
      { name: 'spaced', labels: { a: '1', b: '2' }, value: Number.POSITIVE_INFINITY },
    ]);
  });

  test('accepts CRLF line ends', () => {
    expect(parsePrometheusText('a 1\r\nb 2\r\n').samples.map((s) => s.value)).toEqual([1, 2]);
  });

  test.each([
    ['garbage line here {', 1, 'unexpected text after the value of garbage'],
    ['ok 1\n{a="1"} 2', 2, 'expected a metric name'],
    ['m{a="1" 2', 1, 'expected , or } after label a'],
    ['m{a=1} 2', 1, 'expected a quoted value for label a'],
    ['m{a="1} 2', 1, 'unterminated label value'],
    ['m{a="\\t"} 2', 1, 'invalid escape \\t'],
    ['m{a="1",a="2"} 2', 1, 'label a given twice'],
    ['m 1x', 1, 'invalid value "1x" for m'],
    ['m', 1, 'expected a space and a value after m'],
    ['m 1 2 3', 1, 'unexpected text after the value of m'],
    ['m 1 1.5', 1, 'invalid timestamp "1.5" for m'],
    ['# TYPE m countr', 1, '# TYPE m needs one of'],
    ['# TYPE m counter\n# TYPE m gauge', 2, 'second # TYPE line for m'],
    ['# HELP', 1, '# HELP needs a metric name'],
  ])('rejects %j at line %d', (text, line, message) => {
    let error: unknown;
    try {
      parsePrometheusText(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PromParseError);
    expect((error as PromParseError).line).toBe(line);
    expect((error as PromParseError).message).toContain(message);
  });
});
