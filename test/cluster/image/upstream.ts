// The upstream collector image: the pinned OpenTelemetry Collector the benchmark builds with the collector builder
// (static, CGO off), laid out as upstream's own image: FROM scratch, the binary in /, a CA bundle, uid 10001.
// Tagged with the release and a hash of its content, like the project image: the real node imports an image only
// when its ref is new, so a rebuilt binary under an unchanged tag would never reach containerd.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { ensureOtelcolBinary } from '../../../bench/collector/build-otelcol.ts';
import { OTELCOL_BINARY_NAME, OTELCOL_VERSION } from '../../../bench/collector/otelcol-pins.ts';
import type { Built } from './base.ts';
import { buildah, inspectImage, removeImage, type Store, withContainer } from './buildah.ts';
import { STAMP_LABEL, stampOf } from './stamp.ts';

export const UPSTREAM_REPOSITORY = `localhost/${OTELCOL_BINARY_NAME}`;
export const CA_BUNDLE_PATH = '/etc/ssl/certs/ca-certificates.crt';

export function upstreamImageConfig(): { entrypoint: string[]; cmd: string[]; user: string; ports: string[] } {
  return {
    entrypoint: [`/${OTELCOL_BINARY_NAME}`],
    cmd: ['--config', `/etc/${OTELCOL_BINARY_NAME}/config.yaml`],
    user: '10001:10001',
    ports: ['4317', '4318'],
  };
}

/**
 * The certificates Debian's ca-certificates package enables (/etc/ca-certificates.conf, paths under
 * /usr/share/ca-certificates): the public roots only, never this machine's own additions (a TLS proxy's CA).
 */
export function enabledCertificates(caCertificatesConf: string): string[] {
  return caCertificatesConf.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'));
}

async function caBundle(): Promise<string> {
  const certs = enabledCertificates(await readFile('/etc/ca-certificates.conf', 'utf8'));
  if (certs.length === 0) throw new Error('/etc/ca-certificates.conf enables no certificate (is ca-certificates installed?)');
  const pems = await Promise.all(certs.map((c) => readFile(join('/usr/share/ca-certificates', c), 'utf8')));
  return pems.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
}

async function assertStatic(binary: string): Promise<void> {
  const { stdout } = await promisify(execFile)('file', ['-b', binary]);
  if (!/statically linked/.test(stdout)) throw new Error(`${binary} is not statically linked (${stdout.trim()}): a FROM scratch image cannot run it`);
}

/** The collector builder's output (built when missing; minutes with cold Go caches). */
export async function upstreamBinary(log: Logger): Promise<string> {
  const started = Date.now();
  const build = await ensureOtelcolBinary((logFile) => log.info({ logFile }, `building the upstream collector ${OTELCOL_VERSION} with the collector builder`));
  if (build.built) log.info({ binary: build.binary, seconds: (Date.now() - started) / 1000 }, 'upstream collector built');
  return build.binary;
}

/** The image of `binary` (from upstreamBinary), `UPSTREAM_REPOSITORY:<release>-<content hash>`; older ones are removed. */
export async function ensureUpstreamImage(store: Store, binary: string): Promise<Built> {
  const started = Date.now();
  const bundle = await caBundle();
  const digest = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
  const stamp = stampOf({ binary: digest(await readFile(binary)), ca: digest(bundle), config: upstreamImageConfig() });
  const ref = `${UPSTREAM_REPOSITORY}:${OTELCOL_VERSION}-${stamp.slice(0, 16)}`;
  if ((await inspectImage(store, ref))?.labels[STAMP_LABEL] === stamp) return { ref, stamp, built: false, seconds: 0 };

  await assertStatic(binary);
  const { entrypoint, cmd, user, ports } = upstreamImageConfig();
  const tmp = await mkdtemp(join(tmpdir(), 'tpo-otelcol-image-'));
  try {
    await writeFile(join(tmp, 'ca-certificates.crt'), bundle);
    await withContainer(store, 'scratch', async (container) => {
      await buildah(store, ['copy', '--chmod', '0644', container, join(tmp, 'ca-certificates.crt'), CA_BUNDLE_PATH]);
      await buildah(store, ['copy', '--chmod', '0755', container, binary, entrypoint[0]!]);
      await buildah(store, ['config', '--entrypoint', JSON.stringify(entrypoint), '--cmd', JSON.stringify(cmd), '--user', user,
        ...ports.flatMap((p) => ['--port', p]), '--os', 'linux', '--arch', 'amd64', '--label', `${STAMP_LABEL}=${stamp}`, container]);
      await buildah(store, ['commit', '--quiet', container, ref]);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  await removeOlderImages(store, ref);
  return { ref, stamp, built: true, seconds: (Date.now() - started) / 1000 };
}

/** Every other image of UPSTREAM_REPOSITORY: the binary is one per release, so only the newest build is current. */
async function removeOlderImages(store: Store, keep: string): Promise<void> {
  const listed = JSON.parse(await buildah(store, ['images', '--json'])) as { id: string; names: string[] | null }[];
  for (const image of listed) {
    const names = image.names ?? [];
    if (names.some((n) => n.startsWith(`${UPSTREAM_REPOSITORY}:`)) && !names.includes(keep)) await removeImage(store, image.id);
  }
}
