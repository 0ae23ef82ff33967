// Server-side apply with one field manager, skipped when the cached live object already matches.
// This is the only code path that writes owned objects, so a converged reconcile makes no request.
import type { KubeRequester } from './client.ts';
import { isUpToDate, withAppliedHash } from './desired-match.ts';
import { objectPath, type ResourceType } from './resources.ts';
import type { KubeObject } from './types.ts';

export const FIELD_MANAGER = 'telemetry-pipeline-operator';
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

export interface ApplyResult<T extends KubeObject> {
  /** The live object after the call (the cached one when nothing was sent). */
  object: T;
  changed: boolean;
  /** No live object was known before: this apply created it. */
  created: boolean;
}

export class Applier {
  readonly #client: KubeRequester;
  readonly #fieldManager: string;
  // Reconciles reuse rendered objects while the pipeline is unchanged (see reconcile.ts), so the
  // hashed body is computed once per rendered object rather than once per resync.
  readonly #hashed = new WeakMap<object, KubeObject>();

  constructor(client: KubeRequester, fieldManager = FIELD_MANAGER) {
    this.#client = client;
    this.#fieldManager = fieldManager;
  }

  async apply<T extends KubeObject>(rt: ResourceType, desired: T, live: T | undefined): Promise<ApplyResult<T>> {
    let body = this.#hashed.get(desired) as T | undefined;
    if (!body) {
      body = withAppliedHash(desired);
      this.#hashed.set(desired, body);
    }
    if (live && isUpToDate(body, live)) return { object: live, changed: false, created: false };
    const { name, namespace } = body.metadata;
    // JSON is YAML, so the apply-patch+yaml content type takes the JSON body as is.
    const object = await this.#client.request<T>('PATCH', objectPath(rt, namespace, name), {
      query: { fieldManager: this.#fieldManager, force: true },
      body,
      contentType: APPLY_PATCH_CONTENT_TYPE,
    });
    return { object, changed: true, created: !live };
  }
}
