// One parsed view of each TelemetryPipeline per generation, shared by the reconcile and the autoscaler.
// The informer caches the objects as the API server sends them; parsing (validation and defaults)
// depends only on the spec, which metadata.generation tracks, so it runs once per generation and
// status writes, resyncs and autoscaler ticks reuse it.
import { parsePipeline, type FieldIssue, type TelemetryPipeline, type TelemetryPipelineStatus } from '../api/telemetry-pipeline.ts';
import type { Informer } from './kube/informer.ts';
import { objectKey, type KubeObject } from './kube/types.ts';

export type PipelineObject = KubeObject & { status?: TelemetryPipelineStatus };

export type ParsedSpec = { ok: true; pipeline: TelemetryPipeline } | { ok: false; issues: FieldIssue[] };

export interface PipelineView {
  /** The object as cached (for metadata, status and events). */
  object: PipelineObject;
  /** The spec validated with defaults applied; the same value for every object of one generation. */
  parsed: ParsedSpec;
}

interface Parsed {
  uid: string | undefined;
  generation: number | undefined;
  parsed: ParsedSpec;
}

export class PipelineViews {
  readonly #informer: Informer<KubeObject>;
  readonly #parsed = new Map<string, Parsed>();

  constructor(informer: Informer<KubeObject>) {
    this.#informer = informer;
    informer.on({ delete: (obj) => this.#parsed.delete(objectKey(obj)) });
  }

  keys(): IterableIterator<string> {
    return this.#informer.store.keys();
  }

  /** Puts a pipeline the operator itself just wrote (its status) into the cache. */
  writeThrough(obj: KubeObject): void {
    this.#informer.writeThrough(obj);
  }

  /** The pipeline under `key`, or undefined when it is gone or being deleted. */
  get(key: string): PipelineView | undefined {
    const object = this.#informer.store.get(key) as PipelineObject | undefined;
    if (!object || object.metadata.deletionTimestamp) {
      this.#parsed.delete(key);
      return undefined;
    }
    const { uid, generation } = object.metadata;
    let entry = this.#parsed.get(key);
    if (!entry || entry.uid !== uid || entry.generation !== generation) {
      // Status is not input: a malformed status written by someone else must not make the spec "invalid".
      entry = { uid, generation, parsed: parsePipeline({ ...object, status: undefined }) };
      this.#parsed.set(key, entry);
    }
    return { object, parsed: entry.parsed };
  }
}
