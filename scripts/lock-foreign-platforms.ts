// The npm registry mirror this project is built against serves only the linux x64/arm64 builds of
// packages that ship one optional package per platform (@swc/core-*, @unrs/resolver-binding-*), so
// `npm install` leaves the other platforms out of package-lock.json and `npm ci` then refuses the lock
// as out of sync. This adds, for each optional dependency the lock lacks, an entry restricted to its
// platform: `npm ci` skips it on any other machine and never asks the registry for it.
// Run after `npm install` changes the lock: `node scripts/lock-foreign-platforms.ts`.
import { readFileSync, writeFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
}

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony'];
const CPU: Record<string, string> = {
  arm64: 'arm64', x64: 'x64', ia32: 'ia32', arm: 'arm', ppc64: 'ppc64', s390x: 's390x',
  loong64: 'loong64', riscv64: 'riscv64', wasm32: 'wasm32',
};

/** Platform restrictions read off a per-platform package name such as `core-linux-arm-gnueabihf`. */
export function platformOf(name: string): Pick<LockEntry, 'os' | 'cpu' | 'libc'> | undefined {
  const parts = name.split('/').pop()!.split('-');
  const os = parts.find((part) => OS.includes(part));
  const cpu = parts.map((part) => CPU[part]).find((value) => value !== undefined);
  if (cpu === 'wasm32') return { cpu: ['wasm32'] };
  if (os === undefined || cpu === undefined) return undefined;
  const libc = parts.includes('musl') || parts.includes('musleabihf') ? ['musl'] : parts.includes('gnu') || parts.includes('gnueabihf') ? ['glibc'] : undefined;
  return { os: [os], cpu: [cpu], ...(libc && os === 'linux' ? { libc } : {}) };
}

function main(path = 'package-lock.json'): void {
  const lock = JSON.parse(readFileSync(path, 'utf8')) as { packages: Record<string, LockEntry> };
  const added: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const target = `node_modules/${name}`;
      if (lock.packages[target] !== undefined || lock.packages[`${key}/${target}`] !== undefined) continue;
      const platform = platformOf(name);
      if (platform === undefined) continue;
      lock.packages[target] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
      added.push(`${name}@${version}`);
    }
  }
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(added.length ? `added platform-only entries:\n  ${added.join('\n  ')}\n` : 'lock already complete\n');
}

if (import.meta.main) main(process.argv[2]);
