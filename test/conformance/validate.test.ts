// Validate verdicts: a corpus of configs, valid and broken, per component option, checked by `otelcol validate`
// of the upstream build (v0.161.0) and by ours. They agree, except where ours refuses an option on purpose: there
// upstream accepts, ours names it `unsupported:` at its path, and the collector README lists exactly those entries.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { loadConfigTexts } from '../../src/collector/config/load.ts';
import { formatIssue, type ConfigIssue } from '../../src/collector/config/issues.ts';
import { validateConfig } from '../../src/collector/config/validate.ts';
import { defaultFactories } from '../../src/collector/registry.ts';
import { upstreamValidate } from '../support/upstream-collector.ts';

type Signal = 'traces' | 'metrics' | 'logs';
type Case = { name: string; config: Record<string, unknown>; unsupported?: string };

const ENV = { PORT: '4317', LEVEL_REF: '${env:LEVEL}', LEVEL: 'basic' };

function config(parts: { processors?: Record<string, unknown>; exporters?: Record<string, unknown>; extensions?: Record<string, unknown>; service?: Record<string, unknown> }, signals: Signal[] = ['traces']): Record<string, unknown> {
  const processors = Object.keys(parts.processors ?? {});
  const exporters = Object.keys(parts.exporters ?? { debug: {} });
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:4317' } } } },
    ...(parts.processors ? { processors: parts.processors } : {}),
    exporters: parts.exporters ?? { debug: {} },
    ...(parts.extensions ? { extensions: parts.extensions } : {}),
    service: {
      ...(parts.extensions ? { extensions: Object.keys(parts.extensions) } : {}),
      ...parts.service,
      pipelines: Object.fromEntries(signals.map((signal) => [signal, { receivers: ['otlp'], processors, exporters }])),
    },
  };
}

const processor = (id: string, settings: unknown, signals: Signal[] = ['traces']) => config({ processors: { [id]: settings } }, signals);
const all: Signal[] = ['traces', 'metrics', 'logs'];

const CASES: Case[] = [
  // attributes
  { name: 'attributes: every action', config: processor('attributes', { actions: [
    { key: 'a', value: 1, action: 'insert' }, { key: 'b', from_attribute: 'a', default_value: 'x', action: 'upsert' }, { key: 'c', value: 'v', action: 'UPDATE' },
    { pattern: '^internal\\.', action: 'delete' }, { key: 'd', action: 'hash' }, { key: 'e', pattern: '^(?P<x>\\w+)$', action: 'extract' }, { key: 'f', converted_type: 'int', action: 'convert' },
  ] }, all) },
  { name: 'attributes: unknown action', config: processor('attributes', { actions: [{ key: 'a', action: 'rename' }] }) },
  { name: 'attributes: no actions', config: processor('attributes', { actions: [] }) },
  { name: 'attributes: insert without a value', config: processor('attributes', { actions: [{ key: 'a', action: 'insert' }] }) },
  { name: 'attributes: two value sources', config: processor('attributes', { actions: [{ key: 'a', value: 1, from_attribute: 'b', action: 'upsert' }] }) },
  { name: 'attributes: extract with an unnamed group', config: processor('attributes', { actions: [{ key: 'a', pattern: '(?P<x>a)(b)', action: 'extract' }] }) },
  { name: 'attributes: convert to a bad type', config: processor('attributes', { actions: [{ key: 'a', converted_type: 'bool', action: 'convert' }] }) },
  { name: 'attributes: RE2 syntax JavaScript lacks', config: processor('attributes', { actions: [{ pattern: '\\Qa.b\\E|[[:digit:]]\\z|(?U)x+|\\p{Greek}', action: 'delete' }] }) },
  { name: 'attributes: a lookahead is not RE2', config: processor('attributes', { actions: [{ pattern: 'a(?=b)', action: 'delete' }] }) },
  { name: 'attributes: a back-reference is not RE2', config: processor('attributes', { actions: [{ pattern: '(a)\\1', action: 'hash' }] }) },
  { name: 'attributes: include span names', config: processor('attributes', { actions: [{ key: 'a', action: 'delete' }], include: { match_type: 'regexp', span_names: ['^GET'] } }) },
  { name: 'attributes: include without match_type', config: processor('attributes', { actions: [{ key: 'a', action: 'delete' }], include: { span_names: ['x'] } }) },
  { name: 'attributes: log bodies for spans', config: processor('attributes', { actions: [{ key: 'a', action: 'delete' }], include: { match_type: 'strict', log_bodies: ['x'] } }) },
  { name: 'attributes: span names for logs', config: processor('attributes', { actions: [{ key: 'a', action: 'delete' }], include: { match_type: 'strict', span_names: ['x'] } }, ['logs']) },
  // redaction
  { name: 'redaction: every option', config: processor('redaction', {
    allow_all_keys: false, allowed_keys: ['a'], ignored_keys: ['b'], ignored_key_patterns: ['^c'], blocked_key_patterns: ['token'], blocked_values: ['\\d{16}'],
    allowed_values: ['^ok$'], redact_all_types: true, hash_function: 'HMAC-SHA256', hmac_key: 'k'.repeat(32), summary: 'debug',
  }, all) },
  { name: 'redaction: no settings', config: processor('redaction', null, all) },
  { name: 'redaction: an unknown hash function', config: processor('redaction', { hash_function: 'sha256' }) },
  { name: 'redaction: a short hmac key', config: processor('redaction', { hash_function: 'hmac-sha512', hmac_key: 'short' }) },
  { name: 'redaction: an unknown field', config: processor('redaction', { blocked_keys: ['a'] }) },
  { name: 'redaction: the database sanitizer', config: processor('redaction', { db_sanitizer: { sql: { enabled: true } } }), unsupported: 'processors.redaction.db_sanitizer' },
  { name: 'redaction: the URL sanitizer', config: processor('redaction', { url_sanitizer: { enabled: true } }), unsupported: 'processors.redaction.url_sanitizer' },
  { name: 'attributes: from_context', config: processor('attributes', { actions: [{ key: 'a', from_context: 'metadata.tenant', action: 'insert' }] }), unsupported: 'processors.attributes.actions[].from_context' },
  // filter
  { name: 'filter: OTTL with enums', config: processor('filter', { error_mode: 'ignore', traces: { span: ['kind == SPAN_KIND_SERVER', 'status.code == STATUS_CODE_ERROR'] }, logs: { log_record: ['severity_number < SEVERITY_NUMBER_WARN'] }, metrics: { metric: ['type == METRIC_DATA_TYPE_SUM'] } }, all) },
  { name: 'filter: trace_conditions', config: processor('filter', { trace_conditions: ['span.name == "a"', 'resource.attributes["x"] == "y"'] }) },
  { name: 'filter: trace_conditions groups', config: processor('filter', { trace_conditions: [{ context: 'span', conditions: ['name == "a"'] }] }) },
  { name: 'filter: mixed condition styles', config: processor('filter', { trace_conditions: ['span.name == "a"', { conditions: ['span.name == "b"'] }] }) },
  { name: 'filter: inferred and per-context conditions', config: processor('filter', { trace_conditions: ['span.name == "a"'], traces: { span: ['true'] } }) },
  { name: 'filter: an unknown path', config: processor('filter', { traces: { span: ['nosuchpath == 1'] } }) },
  { name: 'filter: a lookahead in IsMatch', config: processor('filter', { traces: { span: ['IsMatch(name, "a(?=b)")'] } }) },
  { name: 'filter: OTTL and include/exclude for spans', config: processor('filter', { traces: { span: ['true'] }, spans: { include: { match_type: 'strict', span_names: ['a'] } } }) },
  { name: 'filter: legacy forms', config: processor('filter', { spans: { exclude: { match_type: 'regexp', span_names: ['^health'] } }, logs: { include: { match_type: 'strict', severity_number: { min: 'WARN' } } }, metrics: { exclude: { match_type: 'strict', metric_names: ['a'] } } }, all) },
  { name: 'filter: a bad severity', config: processor('filter', { logs: { include: { match_type: 'strict', severity_number: { min: 'LOUD' } } } }, ['logs']) },
  { name: 'filter: span events', config: processor('filter', { traces: { spanevent: ['name == "x"'] } }), unsupported: 'processors.filter.traces.spanevent' },
  { name: 'filter: spanevent context', config: processor('filter', { trace_conditions: [{ context: 'spanevent', conditions: ['name == "x"'] }] }), unsupported: 'processors.filter.trace_conditions[]' },
  { name: 'filter: expr', config: processor('filter', { metrics: { exclude: { match_type: 'expr', expressions: ['MetricName == "a"'] } } }, ['metrics']), unsupported: 'processors.filter.metrics.{include,exclude}.match_type: expr' },
  // probabilistic_sampler
  { name: 'sampler: every mode', config: config({ processors: { probabilistic_sampler: { sampling_percentage: 10 }, 'probabilistic_sampler/e': { mode: 'equalizing', sampling_percentage: 5 }, 'probabilistic_sampler/p': { mode: 'proportional', sampling_percentage: 50, sampling_precision: 6 } } }, ['traces', 'logs']) },
  { name: 'sampler: record source without an attribute', config: processor('probabilistic_sampler', { sampling_percentage: 10, attribute_source: 'record' }, ['logs']) },
  { name: 'sampler: negative', config: processor('probabilistic_sampler', { sampling_percentage: -1 }) },
  { name: 'sampler: precision 0', config: processor('probabilistic_sampler', { sampling_percentage: 1, sampling_precision: 0 }) },
  { name: 'sampler: precision 15', config: processor('probabilistic_sampler', { sampling_percentage: 1, sampling_precision: 15 }) },
  { name: 'sampler: a bogus mode', config: processor('probabilistic_sampler', { sampling_percentage: 1, mode: 'random' }) },
  { name: 'sampler: in a metrics pipeline', config: processor('probabilistic_sampler', { sampling_percentage: 1 }, ['metrics']) },
  // tail_sampling
  { name: 'tail sampling: the guide\'s policies', config: processor('tail_sampling', {
    decision_wait: '10s', num_traces: 100000, expected_new_traces_per_sec: 1000, decision_cache: { sampled_cache_size: 1000, non_sampled_cache_size: 1000 },
    policies: [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }, { name: 'slow', type: 'latency', latency: { threshold_ms: 1000 } },
      { name: 'vip', type: 'string_attribute', string_attribute: { key: 'tier', values: ['v.p'], enabled_regex_matching: true, invert_match: true } },
      { name: 'rest', type: 'probabilistic', probabilistic: { sampling_percentage: 10, hash_salt: 's' } }],
  }) },
  { name: 'tail sampling: and, composite', config: processor('tail_sampling', { sample_on_first_match: true, policies: [
    { name: 'a', type: 'and', and: { and_sub_policy: [{ name: 'n', type: 'numeric_attribute', numeric_attribute: { key: 'k', min_value: 1 } }, { name: 'x', type: 'always_sample' }] } },
    { name: 'c', type: 'composite', composite: { max_total_spans_per_second: 100, policy_order: ['l'], composite_sub_policy: [{ name: 'l', type: 'latency', latency: { threshold_ms: 5 } }], rate_allocation: [{ policy: 'l', percent: 50 }] } },
  ] }) },
  { name: 'tail sampling: drop, not, boolean_attribute, span_count, trace_flags, trace_state, rate_limiting', config: processor('tail_sampling', { policies: [
    { name: 'd', type: 'drop', drop: { drop_sub_policy: [{ name: 'b', type: 'boolean_attribute', boolean_attribute: { key: 'debug', value: true } }, { name: 'n', type: 'not', not: { not_sub_policy: { name: 'f', type: 'trace_flags' } } }] } },
    { name: 'c', type: 'span_count', span_count: { min_spans: 2, max_spans: 10 } },
    { name: 's', type: 'trace_state', trace_state: { key: 'tier', values: ['vip'] } },
    { name: 'r', type: 'rate_limiting', rate_limiting: { spans_per_second: 100, burst_capacity: 50 } },
  ] }) },
  { name: 'tail sampling: a bogus strategy', config: processor('tail_sampling', { sampling_strategy: 'eventually' }) },
  { name: 'tail sampling: too many shards', config: processor('tail_sampling', { num_shards: 300 }) },
  { name: 'tail sampling: tail storage without its feature gate', config: processor('tail_sampling', { tail_storage: 'memory' }) },
  { name: 'tail sampling: in a logs pipeline', config: processor('tail_sampling', {}, ['logs']) },
  { name: 'tail sampling: an unknown field', config: processor('tail_sampling', { decision_wait: '1s', wait: '2s' }) },
  { name: 'tail sampling: ottl_condition', config: processor('tail_sampling', { policies: [{ name: 'o', type: 'ottl_condition', ottl_condition: { error_mode: 'ignore', span: ['attributes["a"] == "b"', 'resource.attributes["x"] != nil'] } }] }) },
  { name: 'tail sampling: span event conditions', config: processor('tail_sampling', { policies: [{ name: 'o', type: 'ottl_condition', ottl_condition: { spanevent: ['name == "e"'] } }] }), unsupported: 'processors.tail_sampling.policies[].ottl_condition.spanevent' },
  { name: 'tail sampling: a bytes_limiting policy', config: processor('tail_sampling', { policies: [{ name: 'r', type: 'bytes_limiting', bytes_limiting: { bytes_per_second: 10 } }] }) },
  { name: 'tail sampling: span-ingest', config: processor('tail_sampling', { sampling_strategy: 'span-ingest', policies: [{ name: 'e', type: 'status_code', status_code: { status_codes: ['ERROR'] } }] }) },
  { name: 'tail sampling: shards', config: processor('tail_sampling', { num_shards: 4 }) },
  { name: 'tail sampling: blocking on overflow', config: processor('tail_sampling', { block_on_overflow: true }) },
  { name: 'tail sampling: a wait after the root span', config: processor('tail_sampling', { decision_wait_after_root_received: '1s' }) },
  // batch, memory_limiter
  { name: 'batch: metadata keys', config: processor('batch', { metadata_keys: ['tenant'], metadata_cardinality_limit: 10, timeout: '1s' }, all) },
  { name: 'batch: duplicate metadata keys', config: processor('batch', { metadata_keys: ['tenant', 'Tenant'] }) },
  { name: 'batch: max below size', config: processor('batch', { send_batch_size: 100, send_batch_max_size: 10 }) },
  { name: 'memory_limiter: no limit', config: processor('memory_limiter', { check_interval: '1s' }) },
  { name: 'memory_limiter: spike at the limit', config: processor('memory_limiter', { check_interval: '1s', limit_mib: 100, spike_limit_mib: 100 }) },
  // exporters
  { name: 'otlp exporter: every compression it sends', config: config({ exporters: { 'otlp/a': { endpoint: 'x:4317', compression: 'zstd' }, 'otlp/b': { endpoint: 'x:4317', compression: 'snappy' }, 'otlphttp/c': { endpoint: 'http://x:4318', compression: 'lz4' } } }) },
  { name: 'otlp exporter: zlib over gRPC', config: config({ exporters: { otlp: { endpoint: 'x:4317', compression: 'zlib' } } }), unsupported: 'exporters.otlp_grpc.compression' },
  { name: 'otlp exporter: an unknown compression', config: config({ exporters: { otlp: { endpoint: 'x:4317', compression: 'brotli9' } } }) },
  { name: 'otlp exporter: a persistent queue', config: config({ exporters: { otlp: { endpoint: 'x:4317', sending_queue: { storage: 'file_storage' } } } }) },
  { name: 'otlp exporter: a persistent queue waiting for results', config: config({ exporters: { otlp: { endpoint: 'x:4317', sending_queue: { storage: 'file_storage', wait_for_result: true } } } }) },
  { name: 'otlp exporter: a batching queue', config: config({ exporters: { otlp: { endpoint: 'x:4317', sending_queue: { batch: {} } } } }), unsupported: 'exporters.*.sending_queue.batch' },
  // file_storage and persistent queues ('/tmp' exists on every machine this runs on)
  { name: 'file_storage: every field it uses', config: config({ exporters: { 'otlp/a': { endpoint: 'x:4317', sending_queue: { storage: 'file_storage', sizer: 'bytes', queue_size: 1000000 } }, 'otlphttp/b': { endpoint: 'http://x:4318', sending_queue: { storage: 'file_storage' } } }, extensions: { file_storage: { directory: '/tmp', timeout: '2s', fsync: true, compaction: { on_start: false, directory: '/tmp', max_transaction_size: 65536, cleanup_on_start: true } } } }) },
  { name: 'file_storage: a directory that does not exist', config: config({ extensions: { file_storage: { directory: '/nonexistent/tpo-file-storage' } } }) },
  { name: 'file_storage: created with its permissions', config: config({ extensions: { file_storage: { directory: '/nonexistent/tpo-file-storage', create_directory: true, directory_permissions: '0700' } } }) },
  { name: 'file_storage: permissions not octal', config: config({ extensions: { file_storage: { directory: '/tmp', create_directory: true, directory_permissions: '0999' } } }) },
  { name: 'file_storage: permissions beyond rwx', config: config({ extensions: { file_storage: { directory: '/tmp', create_directory: true, directory_permissions: '1777' } } }) },
  { name: 'file_storage: permissions unchecked without create_directory', config: config({ extensions: { file_storage: { directory: '/tmp', directory_permissions: '0999' } } }) },
  { name: 'file_storage: a negative compaction transaction', config: config({ extensions: { file_storage: { directory: '/tmp', compaction: { max_transaction_size: -1 } } } }) },
  { name: 'file_storage: an unknown field', config: config({ extensions: { file_storage: { directory: '/tmp', sync: true } } }) },
  { name: 'file_storage: max_size', config: config({ extensions: { file_storage: { directory: '/tmp', max_size: 1048576 } } }), unsupported: 'extensions.file_storage.max_size' },
  { name: 'file_storage: recreate', config: config({ extensions: { file_storage: { directory: '/tmp', recreate: true } } }), unsupported: 'extensions.file_storage.recreate' },
  { name: 'file_storage: compaction on start', config: config({ extensions: { file_storage: { directory: '/tmp', compaction: { on_start: true, directory: '/tmp' } } } }), unsupported: 'extensions.file_storage.compaction.{on_start,on_rebound}' },
  { name: 'file_storage: compaction on rebound', config: config({ extensions: { file_storage: { directory: '/tmp', compaction: { on_rebound: true, directory: '/tmp' } } } }), unsupported: 'extensions.file_storage.compaction.{on_start,on_rebound}' },
  // extensions and service
  { name: 'health_check: check_collector_pipeline', config: config({ extensions: { health_check: { endpoint: '127.0.0.1:13133', check_collector_pipeline: { enabled: true, interval: '5m', exporter_failure_threshold: 5 } } } }) },
  { name: 'service: the legacy metrics address', config: config({ service: { telemetry: { metrics: { address: '127.0.0.1:8888' } } } }) },
  { name: 'service: a prometheus reader', config: config({ service: { telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: 8888 } } } }] } } } }) },
  { name: 'references: env expanded again', config: config({ exporters: { debug: { verbosity: '${env:LEVEL_REF}' } } }) },
  { name: 'references: an inline yaml source', config: config({ exporters: { debug: { verbosity: '${yaml:basic}' } } }), unsupported: '${SCHEME:...}' },
];

function ours(text: string): ConfigIssue[] {
  const raw = loadConfigTexts([{ text, source: 'corpus.yaml' }], ENV);
  if (raw.issues.length > 0) return [...raw.issues];
  return [...validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals).issues];
}

/** Path entries of the README's "Not supported" table. */
function readmeUnsupported(): string[] {
  const readme = readFileSync(new URL('../../src/collector/README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Not supported'), readme.indexOf('\n## ', readme.indexOf('## Not supported') + 1));
  return [...section.matchAll(/^\| `([^`]+)`/gm)].map((match) => match[1]!);
}

const verdicts = new Map<string, { upstream: { ok: boolean; output: string }; ours: ConfigIssue[] }>();

beforeAll(async () => {
  for (let i = 0; i < CASES.length; i += 8) {
    await Promise.all(CASES.slice(i, i + 8).map(async (entry) => {
      const text = stringify(entry.config);
      verdicts.set(entry.name, { upstream: await upstreamValidate(text, ENV), ours: ours(text) });
    }));
  }
}, 120_000);

test.each(CASES.filter((entry) => !entry.unsupported).map((entry) => [entry.name, entry] as const))('%s: the same verdict', (_name, entry) => {
  const { upstream, ours: issues } = verdicts.get(entry.name)!;
  expect({ ok: issues.length === 0, issues: issues.map(formatIssue) }).toMatchObject({ ok: upstream.ok });
  // Where both refuse, ours does so with a message of its own, never as "unsupported".
  expect(issues.filter((issue) => issue.message.includes('unsupported:')).map(formatIssue)).toEqual([]);
});

test.each(CASES.filter((entry) => entry.unsupported).map((entry) => [entry.name, entry] as const))('%s: upstream accepts, ours names it unsupported', (_name, entry) => {
  const { upstream, ours: issues } = verdicts.get(entry.name)!;
  expect(upstream).toMatchObject({ ok: true });
  expect(issues.length).toBeGreaterThan(0);
  expect(issues.every((issue) => issue.message.includes('unsupported:'))).toBe(true);
});

test('the README lists exactly the options the corpus shows unsupported', () => {
  const shown = [...new Set(CASES.flatMap((entry) => (entry.unsupported ? [entry.unsupported] : [])))].sort();
  expect(readmeUnsupported().sort()).toEqual(shown);
});
