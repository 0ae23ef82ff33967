// The pod sandbox ("pause") image containerd's sandbox_image names: Debian's static busybox, sleeping forever as
// PID 1 (containerd stops a sandbox with SIGKILL), as the unprivileged user the upstream pause image uses.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Built } from './base.ts';
import { buildah, inspectImage, removeImage, type Store, withContainer } from './buildah.ts';
import { STAMP_LABEL, stampOf } from './stamp.ts';

export const PAUSE_REF = 'localhost/tpo/pause:1';
/** Debian package with a statically linked /bin/busybox. */
export const PAUSE_PACKAGE = 'busybox-static';
const BUSYBOX = '/bin/busybox';

export function pauseImageConfig(): { entrypoint: string[]; user: string } {
  return { entrypoint: [BUSYBOX, 'sleep', 'infinity'], user: '65535:65535' };
}

export async function ensurePauseImage(store: Store): Promise<Built> {
  const started = Date.now();
  const { stdout: busybox } = await promisify(execFile)('dpkg-query', ['-W', '-f', '${Version}', PAUSE_PACKAGE]);
  const stamp = stampOf({ busybox, config: pauseImageConfig() });
  const existing = await inspectImage(store, PAUSE_REF);
  if (existing?.labels[STAMP_LABEL] === stamp) return { ref: PAUSE_REF, stamp, built: false, seconds: 0 };
  const { entrypoint, user } = pauseImageConfig();
  await withContainer(store, 'scratch', async (container) => {
    await buildah(store, ['copy', '--chmod', '0755', container, BUSYBOX, BUSYBOX]);
    await buildah(store, ['config', '--entrypoint', JSON.stringify(entrypoint), '--user', user,
      '--os', 'linux', '--arch', 'amd64', '--label', `${STAMP_LABEL}=${stamp}`, container]);
    await buildah(store, ['commit', '--quiet', container, PAUSE_REF]);
  });
  if (existing) await removeImage(store, existing.id);
  return { ref: PAUSE_REF, stamp, built: true, seconds: (Date.now() - started) / 1000 };
}
