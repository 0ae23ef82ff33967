// Compression settings in the collector config: upstream's names accepted, the rest rejected with the
// offending field's path.
import { formatIssue } from '../../../src/collector/config/issues.ts';
import { loadConfigTexts } from '../../../src/collector/config/load.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';

function issuesOf(extra: { receiver?: string; exporters?: string }): string[] {
  const yaml = `
receivers: {otlp: {protocols: {grpc: , http: {${extra.receiver ?? ''}}}}}
exporters: {${extra.exporters ?? 'debug: '}}
service: {pipelines: {traces: {receivers: [otlp], exporters: [${(extra.exporters ?? 'debug:').split(':')[0]}]}}}
`;
  const raw = loadConfigTexts([{ text: yaml, source: 'test.yaml' }], {});
  if (raw.issues.length > 0) return raw.issues.map(formatIssue);
  return validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals).issues.map(formatIssue);
}

test.each(['gzip', 'snappy', 'zstd', 'none', '""'])('otlp (gRPC) exporter takes compression %s', (compression) => {
  expect(issuesOf({ exporters: `otlp: {endpoint: "b:4317", compression: ${compression}}` })).toEqual([]);
});

test.each(['lz4', 'zlib', 'deflate', 'x-snappy-framed'])('otlp (gRPC) exporter refuses compression %s, which upstream accepts and then fails to start with, as unsupported', (compression) => {
  expect(issuesOf({ exporters: `otlp: {endpoint: "b:4317", compression: ${compression}}` })).toEqual([
    `exporters.otlp.compression: unsupported: compression "${compression}" over gRPC (upstream's exporter fails to start with it); supported: gzip, snappy, zstd, none`,
  ]);
});

test('otlp (gRPC) exporter rejects an unknown compression with its path', () => {
  expect(issuesOf({ exporters: 'otlp: {endpoint: "b:4317", compression: br}' })).toEqual([
    'exporters.otlp.compression: unsupported compression type "br" for gRPC; supported: gzip, snappy, zstd, none',
  ]);
});

test.each(['gzip', 'zlib', 'deflate', 'snappy', 'x-snappy-framed', 'zstd', 'lz4', 'none'])('otlphttp exporter takes compression %s', (compression) => {
  expect(issuesOf({ exporters: `otlphttp: {endpoint: "http://b:4318", compression: ${compression}}` })).toEqual([]);
});

test('otlphttp rejects an unknown compression and levels upstream rejects', () => {
  expect(issuesOf({ exporters: 'otlphttp: {endpoint: "http://b:4318", compression: br}' })[0]).toMatch(/^exporters\.otlphttp\.compression: unsupported compression type; supported: gzip, zlib, deflate, snappy, x-snappy-framed, zstd, lz4, none/);
  expect(issuesOf({ exporters: 'otlphttp: {endpoint: "http://b:4318", compression: lz4, compression_params: {level: 3}}' })).toEqual([
    'exporters.otlphttp.compression_params.level: unsupported parameters {Level:3} for compression type "lz4"',
  ]);
  expect(issuesOf({ exporters: 'otlphttp: {endpoint: "http://b:4318", compression: gzip, compression_params: {level: 10}}' })).toEqual([
    'exporters.otlphttp.compression_params.level: unsupported parameters {Level:10} for compression type "gzip"',
  ]);
  for (const ok of ['gzip, compression_params: {level: 9}', 'zlib, compression_params: {level: -2}', 'zstd, compression_params: {level: 30}']) {
    expect(issuesOf({ exporters: `otlphttp: {endpoint: "http://b:4318", compression: ${ok}}` })).toEqual([]);
  }
});

test('the HTTP receiver takes upstream\'s compression_algorithms and names an unknown one by index', () => {
  expect(issuesOf({ receiver: 'compression_algorithms: ["", gzip, zstd, zlib, snappy, deflate, lz4, x-snappy-framed]' })).toEqual([]);
  const [issue] = issuesOf({ receiver: 'compression_algorithms: [gzip, compress]' });
  expect(issue).toMatch(/^receivers\.otlp\.protocols\.http\.compression_algorithms\[1\]: unsupported compression algorithm; supported: "", "identity", "gzip"/);
});
