// file_storage: its config (upstream's fields and defaults; bbolt-only ones refused as unsupported), the
// directory lock (verdicts as a table, takeover and refusal on a real directory), and a persistent queue
// through the exporter helper: capacity, nothing dropped at the drain deadline, all sent by the next start.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExporter, type ExporterClient } from '../../../src/collector/exporters/exporter-helper.ts';
import { retryConfigSchema } from '../../../src/collector/exporters/retry.ts';
import { queueConfigSchema } from '../../../src/collector/exporters/sending-queue.ts';
import { ExportError } from '../../../src/collector/exporters/retry.ts';
import { LOCK_FILE, lockDirectory, lockVerdict, STALE_MS, type Holder } from '../../../src/collector/extensions/dir-lock.ts';
import { clientName, fileStorageConfigSchema, fileStorageExtensionFactory } from '../../../src/collector/extensions/file-storage.ts';
import { exporterCounts, testContext } from '../../support/exporter-metrics.ts';
import { spanBatch } from '../../support/otlp-payloads.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpo-fs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('config', () => {
  test('defaults as upstream', () => {
    expect(fileStorageConfigSchema.parse({ directory: dir })).toEqual({
      directory: dir, timeout: 1000, fsync: false, create_directory: false, directory_permissions: '0750',
    });
  });

  test('a missing directory is an error unless create_directory', () => {
    const missing = join(dir, 'nope');
    expect(fileStorageConfigSchema.safeParse({ directory: missing }).error?.issues[0]).toMatchObject({ path: ['directory'], message: expect.stringContaining('directory must exist') });
    expect(fileStorageConfigSchema.safeParse({ directory: missing, create_directory: true }).success).toBe(true);
  });

  test.each([
    [{ max_size: 1024 }, 'max_size', 'unsupported:'],
    [{ recreate: true }, 'recreate', 'unsupported:'],
    [{ compaction: { on_start: true } }, 'compaction.on_start', 'unsupported:'],
    [{ compaction: { on_rebound: true } }, 'compaction.on_rebound', 'unsupported:'],
    [{ compaction: { max_transaction_size: -1 } }, 'compaction.max_transaction_size', 'cannot be less than 0'],
    [{ create_directory: true, directory_permissions: '0999' }, 'directory_permissions', 'valid octal'],
    [{ create_directory: true, directory_permissions: '1777' }, 'directory_permissions', 'invalid bits'],
    [{ timeout: 'soon' }, 'timeout', 'invalid duration'],
  ])('%j is refused at %s', (settings, path, message) => {
    const issues = fileStorageConfigSchema.safeParse({ directory: dir, ...settings }).error?.issues ?? [];
    expect(issues.map((issue) => [issue.path.join('.'), issue.message])).toContainEqual([path, expect.stringContaining(message)]);
  });

  test('compaction that does nothing is accepted', () => {
    expect(fileStorageConfigSchema.safeParse({ directory: dir, compaction: { on_start: false, directory: '/tmp', max_transaction_size: 65536 } }).success).toBe(true);
  });

  test.each([
    ['otlp', 'traces', 'exporter_otlp__traces'],
    ['otlp/backend', 'logs', 'exporter_otlp_backend_logs'],
    ['otlphttp/a:b', 'metrics', 'exporter_otlphttp_a~003Ab_metrics'],
  ] as const)('queue of %s for %s is named %s, as upstream names its file', (id, signal, name) => {
    expect(clientName(id, signal)).toBe(name);
  });
});

describe('lock verdicts', () => {
  const me: Holder = { host: 'pod-a', pid: 1, token: 'mine' };
  const other = (host: string, pid: number) => ({ holder: { host, pid, token: 'theirs' }, mtimeMs: 100_000 });
  const base = { me, now: 100_500, waitedMs: 0, timeoutMs: 1000, running: () => true };
  test.each([
    ['no lock', { seen: undefined, first: undefined }, 'take'],
    ['a fresh lock of another pod', { seen: other('pod-b', 1), first: other('pod-b', 1) }, 'wait'],
    ['a lock not refreshed for 10 s', { seen: other('pod-b', 1), first: other('pod-b', 1), now: 100_000 + STALE_MS + 1 }, 'take-over'],
    ['our own pid on our host (a restarted container)', { seen: other('pod-a', 1), first: other('pod-a', 1) }, 'take-over'],
    ['a dead pid on our host', { seen: other('pod-a', 7), first: other('pod-a', 7), running: () => false }, 'take-over'],
    ['a live pid on our host', { seen: other('pod-a', 7), first: other('pod-a', 7) }, 'wait'],
    ['a holder that refreshes, past the timeout', { seen: { ...other('pod-b', 1), mtimeMs: 101_000 }, first: other('pod-b', 1), waitedMs: 1500 }, 'fail'],
    ['a holder that does not refresh, past the timeout', { seen: other('pod-b', 1), first: other('pod-b', 1), waitedMs: 5000 }, 'wait'],
  ] as const)('%s: %s', (_name, input, verdict) => {
    expect(lockVerdict({ ...base, ...input })).toBe(verdict);
  });
});

describe('lock on a directory', () => {
  const path = () => join(dir, LOCK_FILE);
  const foreign = (ageMs: number) => {
    writeFileSync(path(), JSON.stringify({ host: `${hostname()}-elsewhere`, pid: 1, token: 'theirs' }));
    const at = new Date(Date.now() - ageMs);
    utimesSync(path(), at, at);
  };
  const options = { timeoutMs: 300, onLost: () => undefined };

  test('a stale lock of another host is taken over, and released on shutdown', async () => {
    foreign(STALE_MS + 1000);
    const lock = await lockDirectory(dir, options);
    expect(JSON.parse(readFileSync(path(), 'utf8'))).toMatchObject({ token: lock.holder.token });
    await lock.release();
    expect(() => readFileSync(path())).toThrow();
  });

  test('a lock its holder keeps refreshing is not taken; start fails after the timeout', async () => {
    foreign(0);
    const keep = setInterval(() => utimesSync(path(), new Date(), new Date()), 100);
    try {
      await expect(lockDirectory(dir, options)).rejects.toThrow(/is held by process 1 on .*-elsewhere/);
    } finally {
      clearInterval(keep);
    }
  });

  test('the holder learns when another process took the directory', async () => {
    let lostTo: Holder | undefined;
    const lock = await lockDirectory(dir, { timeoutMs: 300, onLost: (by) => (lostTo = by) });
    foreign(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(lostTo).toMatchObject({ token: 'theirs' });
    await lock.release();
    expect(readFileSync(path(), 'utf8')).toContain('theirs');
  });
});

describe('a persistent queue through the exporter helper', () => {
  function exporter(client: ExporterClient, queue: Record<string, unknown> = {}) {
    const ctx = testContext('otlp/backend');
    const extension = fileStorageExtensionFactory.create(ctx, fileStorageConfigSchema.parse({ directory: dir }), { pipelinesReady: () => true });
    const context = { ...ctx, extensions: new Map([['file_storage', extension]]) };
    const instance = createExporter(context, {
      sending_queue: queueConfigSchema.parse({ storage: 'file_storage', num_consumers: 2, ...queue }),
      retry_on_failure: retryConfigSchema.parse({ initial_interval: '10ms', max_interval: '10ms', max_elapsed_time: 0 }),
      timeout: 1000,
    }, client);
    return { ctx, extension, instance, counts: () => exporterCounts(ctx.telemetry, 'otlp/backend') };
  }
  const down: ExporterClient = { push: () => Promise.reject(new ExportError('rpc error: code = UNAVAILABLE', true)) };

  test('capacity counts queued and in-flight requests; a full queue refuses; the drain deadline keeps, not drops; the next start sends all', async () => {
    const first = exporter(down, { queue_size: 3 });
    await first.extension.start!();
    await first.instance.start!();
    for (let i = 0; i < 3; i++) await first.instance.consume(spanBatch(`r${i}`, 5));
    await expect(first.instance.consume(spanBatch('r3', 5))).rejects.toThrow('sending queue is full');
    expect(await first.counts()).toMatchObject({ queueSize: 3, queueCapacity: 3, enqueueFailed: 5 });
    await first.instance.shutdown!(Date.now() + 100);
    await first.extension.shutdown!(Date.now());
    expect(await first.counts()).toMatchObject({ sent: 0, sendFailed: 0 });
    expect(first.ctx.logs.map((line) => line.msg)).toContainEqual(expect.stringMatching(/^Drain deadline reached: 15 items stay queued in /));

    const sent: number[] = [];
    const second = exporter({ push: async (payload) => void sent.push(payload.items) }, { queue_size: 3 });
    await second.extension.start!();
    await second.instance.start!();
    await second.instance.shutdown!(Date.now() + 5000);
    await second.extension.shutdown!(Date.now());
    expect(sent).toEqual([5, 5, 5]);
    expect(await second.counts()).toMatchObject({ sent: 15, sendFailed: 0, queueSize: 0 });
  });

  test('a permanent error removes the request for good, counted as failed', async () => {
    const first = exporter({ push: () => Promise.reject(new ExportError('rpc error: code = INVALID_ARGUMENT', false)) });
    await first.extension.start!();
    await first.instance.start!();
    await first.instance.consume(spanBatch('bad', 4));
    await first.instance.shutdown!(Date.now() + 2000);
    await first.extension.shutdown!(Date.now());
    expect(await first.counts()).toMatchObject({ sendFailed: 4 });
    const sent: number[] = [];
    const second = exporter({ push: async (payload) => void sent.push(payload.items) });
    await second.extension.start!();
    await second.instance.start!();
    await second.instance.shutdown!(Date.now() + 1000);
    await second.extension.shutdown!(Date.now());
    expect(sent).toEqual([]);
  });
});
