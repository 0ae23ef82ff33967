// Certificates signed by a test CA (test/support/tls-cert.ts) for servers and clients, and a directory laid out
// and updated the way the kubelet projects a Secret volume: files are symlinks into `..data`, itself a symlink to
// a timestamped directory, and an update writes a new directory and swaps `..data` atomically.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestPki } from './tls-cert.ts';

export interface Issued {
  readonly cert: string;
  readonly key: string;
}

let serial = 0;

/**
 * A certificate signed by the PKI's CA, for a server or a client, valid for `subjectAltNames` (openssl syntax:
 * `IP:198.18.128.10`, `DNS:name.ns.svc`; default 127.0.0.1).
 */
export function issue(pki: TestPki, usage: 'serverAuth' | 'clientAuth', subjectAltNames: readonly string[] = ['IP:127.0.0.1']): Issued {
  const name = `${usage}-${process.pid}-${++serial}`;
  const path = (suffix: string) => join(pki.dir, `${name}.${suffix}`);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path('key'), '-out', path('csr'), '-subj', `/CN=${name}`);
  writeFileSync(path('ext'), `subjectAltName=${subjectAltNames.join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=${usage}\n`);
  openssl('x509', '-req', '-in', path('csr'), '-CA', pki.caFile, '-CAkey', join(pki.dir, 'ca.key'), '-CAcreateserial', '-out', path('crt'), '-days', '2', '-extfile', path('ext'));
  return { cert: readFileSync(path('crt'), 'utf8'), key: readFileSync(path('key'), 'utf8') };
}

export interface SecretDir {
  readonly dir: string;
  /** The path a Secret key is mounted at. */
  path(key: string): string;
  /** Replaces every key's content in one atomic swap, as the kubelet does. */
  update(data: Readonly<Record<string, string>>): void;
  cleanup(): void;
}

export function secretDir(prefix: string, data: Readonly<Record<string, string>>): SecretDir {
  const dir = mkdtempSync(prefix);
  let generation = 0;
  const update = (next: Readonly<Record<string, string>>) => {
    const target = `..${Date.now()}_${++generation}`;
    mkdirSync(join(dir, target));
    for (const [key, content] of Object.entries(next)) writeFileSync(join(dir, target, key), content);
    symlinkSync(target, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const key of Object.keys(next)) {
      try {
        symlinkSync(join('..data', key), join(dir, key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  };
  update(data);
  return { dir, path: (key) => join(dir, key), update, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
