// Writes crds/fleet.telemetry.dev_telemetrypipelines.yaml from the zod schema (`npm run gen:crd`).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, crdYaml } from '../src/api/crd.ts';

const target = fileURLToPath(new URL(`../${CRD_FILE}`, import.meta.url));
writeFileSync(target, crdYaml());
console.log(`wrote ${CRD_FILE}`);
