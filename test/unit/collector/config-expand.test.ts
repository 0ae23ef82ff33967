import { expandEnv } from '../../../src/collector/config/expand.ts';

const env = { HOST: '127.0.0.9', PORT: '4317', FLAG: 'true', EMPTY: '', NAME: 'a #b', LIST: '[a, b]' };

test.each([
  ['${env:HOST}', '127.0.0.9'],
  ['${HOST}', '127.0.0.9'],
  ['${env:PORT}', 4317],
  ['${PORT}', 4317],
  ['${env:FLAG}', true],
  ['${env:LIST}', ['a', 'b']],
  ['${env:HOST}:${env:PORT}', '127.0.0.9:4317'],
  ['http://${HOST}:${PORT}/x', 'http://127.0.0.9:4317/x'],
  ['${env:MISSING:-fallback}', 'fallback'],
  ['${env:MISSING:-4318}', 4318],
  ['${env:EMPTY:-fallback}', null],
  ['${env:NAME}', 'a #b'],
  ['$${env:HOST}', '${env:HOST}'],
  ['cost: $$5', 'cost: $5'],
  ['$HOST', '$HOST'],
  ['a $ b', 'a $ b'],
  ['${env:MISSING}', null],
  ['x${env:MISSING}y', 'xy'],
])('expands %j', (text, expected) => {
  const result = expandEnv({ key: text }, env);
  expect(result.issues).toEqual([]);
  expect((result.value as { key: unknown }).key).toEqual(expected);
});

test('keeps the original text of typed whole-value references for string fields', () => {
  const result = expandEnv({ a: { b: ['${env:PORT}'] } }, env);
  expect([...result.originals]).toEqual([[JSON.stringify(['a', 'b', 0]), '4317']]);
});

test('lists unset variables', () => {
  expect(expandEnv({ a: '${env:NOPE}', b: '${OTHER}' }, {}).unset).toEqual(['NOPE', 'OTHER']);
});

test('what a reference resolves to is expanded again, as upstream does', () => {
  expect(expandEnv({ a: '${env:X}', b: 'x${env:X}y', c: '${env:D}' }, { X: '${env:Y}', Y: 'basic', D: 'a$$b' }).value).toEqual({ a: 'basic', b: 'xbasicy', c: 'a$b' });
  const loop = expandEnv({ a: '${env:X}' }, { X: '${env:X}' });
  expect(loop.issues.map((i) => i.message)).toEqual(['too many recursive expansions']);
});

test('${file:PATH} reads the file: typed as YAML as a whole value, its text inside a string, expanded again', () => {
  const files: Record<string, string> = { 'n.txt': '100\n', 'map.yaml': 'a: 1\nb: ${env:B}\n', 'v.txt': 'detailed' };
  const read = (path: string) => {
    if (!(path in files)) throw new Error(`open ${path}: no such file or directory`);
    return files[path]!;
  };
  const result = expandEnv({ n: '${file:n.txt}', m: '${file:map.yaml}', s: 'x-${file:v.txt}', bad: '${file:none.txt}' }, { B: 'two' }, read);
  expect(result.value).toEqual({ n: 100, m: { a: 1, b: 'two' }, s: 'x-detailed', bad: '${file:none.txt}' });
  expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['bad: ${file:none.txt}: unable to read the file file:none.txt: open none.txt: no such file or directory']);
});

test.each([
  ['${http://example.com/x}', 'unsupported: config source "http"'],
  ['${env:1BAD}', 'invalid environment variable name "1BAD"'],
  ['${env:${X}}', 'nested references are not supported'],
])('rejects %j', (text, message) => {
  const result = expandEnv({ receivers: { otlp: { endpoint: text } } }, {});
  expect(result.issues).toHaveLength(1);
  expect(result.issues[0]!.path).toBe('receivers.otlp.endpoint');
  expect(result.issues[0]!.message).toContain(message);
});
