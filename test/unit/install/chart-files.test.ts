// Facts that tie the chart, the image and the code together: one CRD file in two places, versions following
// package.json, the chart's default image equal to the collector image the operator renders, and a Dockerfile
// whose runtime (Node version, entrypoint, `tpo` on PATH, non-root user) matches what the code and the chart expect.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_FILE, crdYaml } from '../../../src/api/crd.ts';
import { ALLOCATOR_ENV, JEMALLOC } from '../../../src/collector/gc-tuning.ts';
import { parsePipeline } from '../../../src/api/telemetry-pipeline.ts';
import { DEFAULT_COLLECTOR_IMAGE, renderFleet } from '../../../src/operator/render/index.ts';
import { CHART, REPO } from '../../support/helm-kubectl.ts';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; bin: Record<string, string>; devDependencies: Record<string, string> };
const chart = parse(read('charts/telemetry-pipeline-operator/Chart.yaml')) as { version: string; appVersion: string };
const values = parse(read('charts/telemetry-pipeline-operator/values.yaml')) as { image: { repository: string; tag: string } };
const dockerfile = read('Dockerfile');

test(`the chart's ${CRD_FILE} is the generated CRD (run \`npm run gen:crd\` when this fails)`, () => {
  expect(readFileSync(join(CHART, CRD_FILE), 'utf8')).toBe(crdYaml());
});

test('Chart.yaml version and appVersion follow package.json', () => {
  expect({ version: chart.version, appVersion: chart.appVersion }).toEqual({ version: pkg.version, appVersion: pkg.version });
  expect(dockerfile).toContain(`ARG VERSION=${pkg.version}\n`);
});

test("the chart's default image is the collector image the operator renders by default", () => {
  expect(values.image.tag).toBe('');
  expect(`${values.image.repository}:${chart.appVersion}`).toBe(DEFAULT_COLLECTOR_IMAGE);
});

test("the image sets the collector's allocator settings", () => {
  const env = [...dockerfile.matchAll(/^ENV (.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
  for (const [name, value] of Object.entries(ALLOCATOR_ENV)) expect(env).toContain(`${name}=${value}`);
  // The preloaded library is installed and linked where LD_PRELOAD names it.
  expect(dockerfile).toMatch(new RegExp(`apt-get install -y --no-install-recommends ${JEMALLOC.package}\\b`));
  expect(dockerfile).toContain(`/libjemalloc.so.2" ${JEMALLOC.imagePath}\n`);
});

test('the Dockerfile runs the same Node major.minor.patch as the pinned node devDependency', () => {
  expect(dockerfile).toContain(`ARG NODE_VERSION=${pkg.devDependencies['node']}\n`);
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  expect(froms).toEqual(['node:${NODE_VERSION}-bookworm-slim', 'node:${NODE_VERSION}-bookworm-slim', 'node:${NODE_VERSION}-bookworm-slim']);
});

test('the image runs both roles: node dist/cli.js (the package\'s bin) as entrypoint, and `tpo` on PATH for the rendered collector command', () => {
  expect(pkg.bin).toEqual({ tpo: 'dist/cli.js' });
  expect(dockerfile).toContain('ENTRYPOINT ["node", "/app/dist/cli.js"]\n');
  expect(dockerfile).toContain('RUN ln -s /app/dist/cli.js /usr/local/bin/tpo\n');
  expect(dockerfile).toContain('COPY --from=build /app/dist ./dist\n');
  expect(dockerfile).toMatch(/^USER 65532:65532$/m);
  expect(dockerfile).toMatch(/npm ci --omit=dev --ignore-scripts/);

  const sample = parse(read('manifests/samples/low-latency.yaml')) as { metadata: Record<string, unknown> };
  const parsed = parsePipeline({ ...sample, metadata: { ...sample.metadata, namespace: 'apps', uid: '00000000-0000-0000-0000-000000000001' } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const fleet = renderFleet(parsed.pipeline, { image: DEFAULT_COLLECTOR_IMAGE, replicas: 1 });
  const container = (fleet.deployment.spec?.template.spec?.containers ?? [])[0];
  expect(container?.command?.slice(0, 2)).toEqual(['tpo', 'collector']);
});

test('.dockerignore lets in exactly what the Dockerfile copies from the build context', () => {
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
  const allowed = read('.dockerignore')
    .split('\n')
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1).replace(/\/$/, ''));
  expect([...new Set(copied)].sort()).toEqual(allowed.sort());
});
