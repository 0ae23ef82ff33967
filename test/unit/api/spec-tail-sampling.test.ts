// spec.processors.tailSampling: defaults, and each refused input with its field path (the same rules are CEL in the
// CRD; test/integration/operator-tail-sampling.test.ts has the API server refuse one).
import { parseSpec } from '../../../src/api/telemetry-pipeline.ts';

const EXPORTERS = [{ name: 'b', otlp: { endpoint: 'b:4317' } }];
const ERRORS = { name: 'errors', type: 'statusCode', statusCode: { statusCodes: ['ERROR'] } };

function issuesOf(tailSampling: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  const result = parseSpec({ exporters: EXPORTERS, processors: { tailSampling }, ...spec });
  return result.ok ? [] : result.issues;
}

test('defaults: upstream decision wait and trace count, two samplers', () => {
  const result = parseSpec({ exporters: EXPORTERS, processors: { tailSampling: { policies: [ERRORS] } } });
  expect(result.ok && result.spec.processors.tailSampling).toEqual({
    decisionWait: '30s',
    numTraces: 50_000,
    expectedNewTracesPerSec: 0,
    policies: [ERRORS],
    sampler: { replicas: 2, minReplicas: 2, maxReplicas: 10 },
  });
});

const P = 'spec.processors.tailSampling';

test.each<[string, Record<string, unknown>, Record<string, unknown>, { path: string; message: RegExp }]>([
  ['no policies', { policies: [] }, {}, { path: `${P}.policies`, message: /at least 1|>=1/ }],
  ['a block other than the type', { policies: [{ name: 'x', type: 'latency', probabilistic: { samplingPercentage: 1 } }] }, {}, { path: `${P}.policies[0]`, message: /exactly the block named by type/ }],
  ['two blocks', { policies: [{ ...ERRORS, latency: { thresholdMs: 1 } }] }, {}, { path: `${P}.policies[0]`, message: /exactly the block/ }],
  ['duplicate names', { policies: [ERRORS, ERRORS] }, {}, { path: `${P}.policies[1].name`, message: /duplicate policy name "errors"/ }],
  ['an unknown status code', { policies: [{ ...ERRORS, statusCode: { statusCodes: ['FAILED'] } }] }, {}, { path: `${P}.policies[0].statusCode.statusCodes[0]`, message: /OK|ERROR/ }],
  ['a latency band upside down', { policies: [{ name: 'l', type: 'latency', latency: { thresholdMs: 500, upperThresholdMs: 100 } }] }, {}, { path: `${P}.policies[0].latency.upperThresholdMs`, message: /at least thresholdMs/ }],
  ['a bad regular expression', { policies: [{ name: 's', type: 'stringAttribute', stringAttribute: { key: 'k', values: ['(a'], enabledRegexMatching: true } }] }, {}, { path: `${P}.policies[0].stringAttribute.values`, message: /RE2/ }],
  ['a numeric policy without bounds', { policies: [{ name: 'n', type: 'numericAttribute', numericAttribute: { key: 'k' } }] }, {}, { path: `${P}.policies[0].numericAttribute`, message: /minValue or maxValue/ }],
  ['a percentage over 100', { policies: [{ name: 'p', type: 'probabilistic', probabilistic: { samplingPercentage: 101 } }] }, {}, { path: `${P}.policies[0].probabilistic.samplingPercentage`, message: /100/ }],
  ['and inside and', { policies: [{ name: 'a', type: 'and', and: { andSubPolicy: [{ name: 'b', type: 'and' }] } }] }, {}, { path: `${P}.policies[0].and.andSubPolicy[0].type`, message: /Invalid option|expected one of/ }],
  [
    'policyOrder naming no sub-policy',
    { policies: [{ name: 'c', type: 'composite', composite: { maxTotalSpansPerSecond: 10, policyOrder: ['nope'], compositeSubPolicy: [ERRORS] } }] },
    {},
    { path: `${P}.policies[0].composite.policyOrder`, message: /sub-policies of compositeSubPolicy/ },
  ],
  ['a zero decision wait', { decisionWait: '0s', policies: [ERRORS] }, {}, { path: `${P}.decisionWait`, message: /greater than 0/ }],
  ['no sampler pods', { policies: [ERRORS], sampler: { replicas: 0 } }, {}, { path: `${P}.sampler.replicas`, message: />=1|at least/ }],
  ['sampler bounds upside down', { policies: [ERRORS], sampler: { minReplicas: 4, maxReplicas: 3 } }, {}, { path: `${P}.sampler.minReplicas`, message: /must not exceed maxReplicas/ }],
  ['an unknown field', { policies: [ERRORS], sampling_strategy: 'span-ingest' }, {}, { path: `${P}.sampling_strategy`, message: /unknown field/ }],
  ['no traces signal', { policies: [ERRORS] }, { signals: ['logs'] }, { path: P, message: /signals must include traces/ }],
  ['head sampling too', { policies: [ERRORS] }, { processors: { tailSampling: { policies: [ERRORS] }, sampling: { percentage: 5 } } }, { path: 'spec.processors.sampling', message: /exclude each other/ }],
])('%s is refused with its path', (_name, tailSampling, spec, expected) => {
  expect(issuesOf(tailSampling, spec)).toEqual([{ path: expected.path, message: expect.stringMatching(expected.message) }]);
});
