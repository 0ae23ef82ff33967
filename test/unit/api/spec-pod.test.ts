// spec.image, command, args, nodeSelector and tolerations: what parseSpec keeps, defaults and rejects (with the path).
import { parseSpec } from '../../../src/api/telemetry-pipeline.ts';

const minimal = { exporters: [{ name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317' } }] };

function specOf(fields: Record<string, unknown>) {
  const result = parseSpec({ ...minimal, ...fields });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

test('none of the pod fields has a default: left out, the operator decides', () => {
  const spec = specOf({});
  for (const field of ['image', 'command', 'args', 'nodeSelector', 'tolerations'] as const) expect(spec[field]).toBeUndefined();
});

test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
  ['command and args as written, empty strings included', { command: ['/otelcol-contrib'], args: ['--config=/etc/otelcol/config.yaml', ''] }, { command: ['/otelcol-contrib'], args: ['--config=/etc/otelcol/config.yaml', ''] }],
  ['empty command and args lists', { command: [], args: [] }, { command: [], args: [] }],
  ['nodeSelector with prefixed keys and an empty value', { nodeSelector: { 'kubernetes.io/os': 'linux', 'node.example.com/pool': '', tier: 'a.b_c-1' } }, { nodeSelector: { 'kubernetes.io/os': 'linux', 'node.example.com/pool': '', tier: 'a.b_c-1' } }],
  ['a toleration gets operator Equal', { tolerations: [{ key: 'dedicated', value: 'telemetry', effect: 'NoSchedule' }] }, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'telemetry', effect: 'NoSchedule' }] }],
  ['Exists without a key tolerates every taint', { tolerations: [{ operator: 'Exists' }] }, { tolerations: [{ operator: 'Exists' }] }],
  [
    'NoExecute with tolerationSeconds',
    { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] },
    { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] },
  ],
])('accepts %s', (_name, fields, expected) => {
  expect(specOf(fields)).toMatchObject(expected);
});

test.each<[string, Record<string, unknown>, string, RegExp]>([
  ['an empty image', { image: '' }, 'spec.image', /too small/i],
  ['a command that is not a list', { command: '/otelcol --config=x' }, 'spec.command', /expected array/],
  ['too many args', { args: Array.from({ length: 129 }, () => '-v') }, 'spec.args', /too big/i],
  ['an arg that is not a string', { args: ['--config', 1] }, 'spec.args[1]', /expected string/],
  ['a node label key with a space', { nodeSelector: { 'pool name': 'a' } }, 'spec.nodeSelector.pool name', /must be a label key/],
  ['a node label key with an empty prefix', { nodeSelector: { '/pool': 'a' } }, 'spec.nodeSelector./pool', /must be a label key/],
  ['a node label key of 64 characters', { nodeSelector: { ['k'.repeat(64)]: 'a' } }, `spec.nodeSelector.${'k'.repeat(64)}`, /must be a label key/],
  ['a node label value with a slash', { nodeSelector: { pool: 'a/b' } }, 'spec.nodeSelector.pool', /must be a label value/],
  ['33 node labels', { nodeSelector: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'x'])) }, 'spec.nodeSelector', /at most 32/],
  ['a toleration without key and operator Equal', { tolerations: [{ value: 'x' }] }, 'spec.tolerations[0].operator', /must be Exists when key is left out/],
  ['a value with operator Exists', { tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'x' }] }, 'spec.tolerations[0].value', /must be left out when operator is Exists/],
  ['tolerationSeconds without NoExecute', { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }] }, 'spec.tolerations[0].tolerationSeconds', /needs effect NoExecute/],
  ['tolerationSeconds without an effect', { tolerations: [{ key: 'a', operator: 'Exists', tolerationSeconds: 5 }] }, 'spec.tolerations[0].tolerationSeconds', /needs effect NoExecute/],
  ['negative tolerationSeconds', { tolerations: [{ key: 'a', effect: 'NoExecute', tolerationSeconds: -1 }] }, 'spec.tolerations[0].tolerationSeconds', /too small/i],
  ['an unknown operator', { tolerations: [{ key: 'a', operator: 'In' }] }, 'spec.tolerations[0].operator', /.+/],
  ['an unknown effect', { tolerations: [{ key: 'a', effect: 'NoRun' }] }, 'spec.tolerations[0].effect', /.+/],
  ['an unknown toleration field', { tolerations: [{ key: 'a', values: ['x'] }] }, 'spec.tolerations[0].values', /unknown field/],
  ['an invalid taint key', { tolerations: [{ key: 'a b' }] }, 'spec.tolerations[0].key', /must be a label key/],
  ['a taint value too long', { tolerations: [{ key: 'a', value: 'v'.repeat(64) }] }, 'spec.tolerations[0].value', /too big/i],
  ['the second of two tolerations', { tolerations: [{ key: 'a' }, { effect: 'NoSchedule' }] }, 'spec.tolerations[1].operator', /must be Exists/],
])('rejects %s', (_name, fields, path, message) => {
  const result = parseSpec({ ...minimal, ...fields });
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.issues).toContainEqual({ path, message: expect.stringMatching(message) });
});
