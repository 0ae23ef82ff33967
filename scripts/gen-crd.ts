// Writes the CRD generated from the zod schema (`npm run gen:crd`) to crds/ and to the Helm chart's crds/ folder,
// which must hold the same file (Helm installs CRDs only from there).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, crdYaml } from '../src/api/crd.ts';

const targets = [CRD_FILE, `charts/telemetry-pipeline-operator/${CRD_FILE}`];
const yaml = crdYaml();
for (const file of targets) {
  writeFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), yaml);
  console.log(`wrote ${file}`);
}
