// Validation at admission (issue 13, item 5), on the real API server: generated specs, valid and invalid alike,
// are created with dryRun=All against the CRD generated from the schema. For every spec the API server admits,
// parsePipeline of the stored object succeeds and the fleet renders: render cannot fail for an admitted spec.
// And the API server and parseSpec agree both ways, so `tpo render` and `kubectl apply` accept the same specs.
import fc from 'fast-check';
import { API_VERSION, KIND } from '../../src/api/constants.ts';
import { parsePipeline, parseSpec } from '../../src/api/telemetry-pipeline.ts';
import { isApiError } from '../../src/operator/kube/errors.ts';
import { collectionPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { renderFleet } from '../../src/operator/render/index.ts';
import { rawSpec } from '../support/spec-arbitrary.ts';
import { useTestNamespace } from './operator-helpers.ts';

const ctx = useTestNamespace('admission');

const SAMPLES = 600;

test(`over ${SAMPLES} generated specs: whatever the API server admits parses and renders, and parseSpec agrees`, async () => {
  const specs = fc.sample(rawSpec, { numRuns: SAMPLES, seed: 13 });
  const failures: { spec: unknown; problem: string }[] = [];
  const disagreements: { spec: unknown; apiServer: string; parseSpec: string }[] = [];
  let admitted = 0;
  for (const [i, spec] of specs.entries()) {
    const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name: `p${i}`, namespace: ctx.ns }, spec };
    let stored: KubeObject | undefined;
    let refusal = '';
    try {
      stored = await ctx.cluster.client.request<KubeObject>('POST', collectionPath(resources.pipeline, ctx.ns), { body, query: { dryRun: 'All' } });
    } catch (err) {
      if (!isApiError(err, 422)) throw err;
      refusal = err.message;
    }
    const ours = parseSpec(JSON.parse(JSON.stringify(spec)));
    if ((stored !== undefined) !== ours.ok) {
      disagreements.push({ spec, apiServer: stored ? 'admitted' : refusal, parseSpec: ours.ok ? 'accepted' : JSON.stringify(ours.issues) });
    }
    if (!stored) continue;
    admitted++;
    const parsed = parsePipeline({ ...stored, metadata: { ...stored.metadata, uid: stored.metadata.uid ?? 'dry-run' } });
    if (!parsed.ok) {
      failures.push({ spec, problem: `parsePipeline: ${JSON.stringify(parsed.issues)}` });
      continue;
    }
    try {
      renderFleet(parsed.pipeline, { image: 'x' });
    } catch (err) {
      failures.push({ spec, problem: `render: ${(err as Error).message}` });
    }
  }
  console.log(`admission: ${admitted} of ${SAMPLES} generated specs admitted, ${SAMPLES - admitted} refused; ${disagreements.length} disagreements with parseSpec`);
  expect(failures).toEqual([]);
  expect(disagreements).toEqual([]);
  // Both sides of the rules are exercised.
  expect(admitted).toBeGreaterThanOrEqual(30);
  expect(SAMPLES - admitted).toBeGreaterThanOrEqual(30);
}, 300_000);
