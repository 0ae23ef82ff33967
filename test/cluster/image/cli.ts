// `node test/cluster/cli.ts images`: builds (or reuses) every image and prints refs, build times and sizes.
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { ensureImages, exportImage } from './index.ts';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export async function printImages(log: Logger, out: Writable): Promise<void> {
  const started = Date.now();
  const images = await ensureImages(log);
  for (const step of images.steps) {
    out.write(`${step.ref}  ${mb(images.sizes[step.ref] ?? 0)}  ${step.built ? `built in ${step.seconds.toFixed(1)} s` : 'cached'}\n`);
  }
  const exportStarted = Date.now();
  const archive = await exportImage(images.project, log);
  const exportSeconds = (Date.now() - exportStarted) / 1000;
  // The OCI archive holds the layers gzip-compressed: its size is what a registry would store and a node pull.
  out.write(`project archive ${archive}: ${mb((await stat(archive)).size)} (gzip layers, export ${exportSeconds.toFixed(1)} s)\n`
    + `total ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
