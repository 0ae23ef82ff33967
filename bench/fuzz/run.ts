// Fuzzes a collector process's OTLP receivers for FUZZ_SECONDS (default 60; FUZZ_SEED, default the time) and writes
// bench/results/fuzz.json: cases run, counts per outcome, RSS at the start and at most, and the first failure with
// the seed and path that replay it (FUZZ_SEED=<seed> FUZZ_PATH=<path>; test/support/fuzz/campaign.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCampaign } from '../../test/support/fuzz/campaign.ts';
import { FUZZ_RSS_LIMIT_BYTES, startFuzzCollector } from '../../test/support/fuzz/fuzz-collector.ts';

const MIB = 1024 * 1024;
const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const out = join(dirname(fileURLToPath(import.meta.url)), '../results/fuzz.json');

const { collector, target } = await startFuzzCollector();
try {
  const report = await runCampaign(target, { seed, seconds, maxCases: process.env.FUZZ_PATH ? 1 : 10_000_000, rssLimit: FUZZ_RSS_LIMIT_BYTES, ...(process.env.FUZZ_PATH && { path: process.env.FUZZ_PATH }) });
  const alive = await fetch(`http://127.0.0.1:${collector.ports.health}/`).then((r) => r.status === 200, () => false);
  const result = { date: new Date().toISOString(), node: process.version, ...report, rssStartMiB: +(report.rssStartBytes / MIB).toFixed(1), rssMaxMiB: +(report.rssMaxBytes / MIB).toFixed(1), healthyAfter: alive };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = report.failure || !alive ? 1 : 0;
} finally {
  await collector.stop();
}
