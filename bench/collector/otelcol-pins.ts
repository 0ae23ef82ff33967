// The upstream OpenTelemetry Collector the benchmark and the conformance suite (test/conformance) compare
// against: one pinned release for the builder, the core components, the contrib attributes, filter and
// probabilistic_sampler processors (every processor a rendered config can name), the contrib tail_sampling and
// redaction processors and bearertokenauth extension (peers for the collector's own), and the contrib health_check
// extension (every rendered config enables it: the pods' probes ask it) and the contrib file_storage extension (a
// fleet with persistent queues names it), so the upstream collector image of test/cluster/image runs a fleet's
// ConfigMap unchanged. (basicauth is left out: the module proxy reachable here
// refuses its internal/basicauth module, 403.)
import { homedir } from 'node:os';
import { join } from 'node:path';

// 0.161.0: the newest release whose attributes processor does not pull the ottl xprofile module,
// which the module proxy reachable here refuses to serve (403).
export const OTELCOL_VERSION = '0.161.0';

const CORE = 'go.opentelemetry.io/collector';
const CONTRIB = 'github.com/open-telemetry/opentelemetry-collector-contrib';

export const BUILDER_MODULE = `${CORE}/cmd/builder@v${OTELCOL_VERSION}`;

export const COMPONENTS = {
  receivers: [`${CORE}/receiver/otlpreceiver`],
  processors: [
    `${CORE}/processor/memorylimiterprocessor`,
    `${CORE}/processor/batchprocessor`,
    `${CONTRIB}/processor/attributesprocessor`,
    `${CONTRIB}/processor/filterprocessor`,
    `${CONTRIB}/processor/probabilisticsamplerprocessor`,
    `${CONTRIB}/processor/tailsamplingprocessor`,
    `${CONTRIB}/processor/redactionprocessor`,
  ],
  exporters: [
    `${CORE}/exporter/otlpexporter`,
    `${CORE}/exporter/otlphttpexporter`,
    `${CORE}/exporter/debugexporter`,
  ],
  extensions: [
    `${CONTRIB}/extension/healthcheckextension`,
    `${CONTRIB}/extension/bearertokenauthextension`,
    `${CONTRIB}/extension/storage/filestorage`,
  ],
} as const;

export const OTELCOL_BINARY_NAME = 'otelcol-tpo';

/** Everything built lives outside the repository, one folder per pinned release. */
export function otelcolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env['TPO_CACHE_DIR'] ?? join(homedir(), '.cache', 'tpo');
  return join(root, `otelcol-${OTELCOL_VERSION}`);
}

export function otelcolBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(otelcolCacheDir(env), 'dist', OTELCOL_BINARY_NAME);
}
