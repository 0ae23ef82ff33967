// What process the collector container runs: its command line and the settings only the Node collector reads.
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import type { TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';
import { STARTUP_FLAGS } from '../../collector/gc-tuning.ts';
import { CONFIG_PATH } from './defaults.ts';
import type { MemorySizing } from './memory.ts';

/** Without spec.image the pods run this project's image, that is the Node collector. */
export function runsNodeCollector(spec: TelemetryPipelineSpec): boolean {
  return spec.image === undefined;
}

/**
 * The container's command and args. A given spec.command or spec.args is the user's whole command line, as in a
 * Pod: used verbatim, with nothing added. Otherwise our image gets `tpo collector --config FILE`, and any other image
 * keeps its entrypoint (the upstream images' is the collector binary, /otelcol-contrib or /otelcol) and gets
 * `--config=FILE`, the one flag every upstream collector distribution takes.
 */
export function collectorCommandLine(spec: TelemetryPipelineSpec): Pick<V1Container, 'command' | 'args'> {
  const { command, args } = spec;
  if (command !== undefined || args !== undefined) {
    return { ...(command !== undefined && { command }), ...(args !== undefined && { args }) };
  }
  return runsNodeCollector(spec) ? { command: ['tpo', 'collector', '--config', CONFIG_PATH] } : { args: [`--config=${CONFIG_PATH}`] };
}

/**
 * NODE_OPTIONS caps the V8 heap at the memory_limiter's soft limit (see memory.ts) and carries the V8 flags the
 * collector can only get at start (its young generation size: collector/gc-tuning.ts). Only the Node collector
 * reads it; another image gets no variable that would mean nothing to it, or something else if it also runs Node.
 */
export function nodeOnlyEnv(spec: TelemetryPipelineSpec, memory: MemorySizing): V1EnvVar[] {
  return runsNodeCollector(spec) ? [{ name: 'NODE_OPTIONS', value: [`--max-old-space-size=${memory.heapMiB}`, ...STARTUP_FLAGS].join(' ') }] : [];
}
