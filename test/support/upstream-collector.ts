// The reference upstream OpenTelemetry Collector (the collector-builder build of bench/collector), built on first
// import when missing (minutes with cold Go caches; a lock makes concurrent importers wait for one build). Tests
// that compare with upstream import this instead of skipping when the binary is absent, so they run in CI too.
import { ensureOtelcolBinary } from '../../bench/collector/build-otelcol.ts';

export const UPSTREAM_COLLECTOR: string = (await ensureOtelcolBinary((logFile) => process.stderr.write(`building the upstream collector (log: ${logFile})\n`))).binary;
