// Render is total over what the schema admits (issue 13, item 5): for generated specs, valid and invalid alike,
// every one parseSpec accepts renders, and our collector accepts the rendered config. The same property against the
// API server's admission (the CRD's schema and CEL rules) is test/integration/admission.test.ts.
import fc from 'fast-check';
import { API_VERSION, KIND } from '../../../src/api/constants.ts';
import { parsePipeline } from '../../../src/api/telemetry-pipeline.ts';
import { loadConfigTexts } from '../../../src/collector/config/load.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';
import { renderFleet } from '../../../src/operator/render/index.ts';
import { rawSpec } from '../../support/spec-arbitrary.ts';

const asPipeline = (spec: unknown) => ({ apiVersion: API_VERSION, kind: KIND, metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec });

test('every spec parseSpec accepts renders, into a config the collector accepts; generated specs fall on both sides', () => {
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(rawSpec, (spec) => {
      const parsed = parsePipeline(asPipeline(spec));
      if (!parsed.ok) {
        refused++;
        return;
      }
      accepted++;
      const fleet = renderFleet(parsed.pipeline, { image: 'x' });
      const env: Record<string, string> = { POD_IP: '127.1.0.5' };
      for (const e of fleet.deployment.spec!.template.spec!.containers[0]!.env ?? []) env[e.name] = 'v';
      const loaded = loadConfigTexts([{ text: fleet.configMap.data!['config.yaml']!, source: 'configmap' }], env);
      expect(loaded.issues).toEqual([]);
      expect(validateConfig(loaded.expansion.value, defaultFactories, loaded.expansion.originals).issues).toEqual([]);
    }),
    { numRuns: 600, seed: 13 },
  );
  expect(accepted).toBeGreaterThan(30);
  expect(refused).toBeGreaterThan(30);
});
