import {
  baseImageConfig, baseImageRef, bundledNpmVersion, debianMirror, dpkgSlimConfig, NODE_SYMLINKS, nodeAccount, slimRemovals,
} from '../../cluster/image/base-recipe.ts';

describe('debianMirror', () => {
  test('deb822: the stanza listing the suite, comment lines inside a stanza ignored, security skipped', () => {
    const sources = [{
      name: '/etc/apt/sources.list.d/debian.sources',
      text: [
        'Types: deb',
        '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
        'URIs: http://deb.debian.org/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        '',
        'Types: deb',
        'URIs: http://deb.debian.org/debian-security',
        'Suites: bookworm-security',
        '',
      ].join('\n'),
    }];
    expect(debianMirror(sources, 'bookworm')).toBe('http://deb.debian.org/debian');
  });

  test('a disabled stanza, a deb-src stanza and files apt does not read are skipped', () => {
    expect(debianMirror([
      { name: 'a.sources', text: 'Enabled: no\nTypes: deb\nURIs: http://off/debian\nSuites: bookworm\n' },
      { name: 'b.sources', text: 'Types: deb-src\nURIs: http://src/debian\nSuites: bookworm\n' },
      { name: 'c.list.disabled', text: 'deb http://disabled/debian bookworm main\n' },
      { name: 'd.list', text: '# deb http://commented/debian bookworm main\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n' },
    ], 'bookworm')).toBe('http://mirror.example/debian');
  });

  test('undefined when no source lists the suite', () => {
    expect(debianMirror([{ name: 'x.list', text: 'deb http://m/debian bullseye main\n' }], 'bookworm')).toBeUndefined();
  });
});

describe('slimRemovals', () => {
  const tree: Record<string, string[]> = {
    'usr/share/locale': ['de', 'fr', 'locale.alias'],
    'usr/share/man': ['man1'],
    'var/lib/apt/lists': ['deb.debian.org_dists_bookworm_InRelease', 'partial'],
    'var/cache/apt': ['archives', 'pkgcache.bin'],
    dev: ['null', 'zero'],
    'usr/share/doc': ['bash', 'libgcc-s1'],
    'usr/share/doc/bash': ['copyright', 'README.gz', 'changelog.Debian.gz'],
    // a symbolic link to another package's directory lists nothing
    'usr/share/doc/libgcc-s1': [],
  };
  const removals = slimRemovals((dir) => tree[dir] ?? []);

  test('empties the slim directories but keeps locale.alias', () => {
    expect(removals).toEqual(expect.arrayContaining(['usr/share/locale/de', 'usr/share/locale/fr', 'usr/share/man/man1',
      'var/lib/apt/lists/partial', 'var/cache/apt/pkgcache.bin', 'dev/null']));
    expect(removals).not.toContain('usr/share/locale/locale.alias');
    expect(removals).not.toContain('usr/share/locale');
  });

  test('documentation keeps each copyright file; linked doc directories go whole', () => {
    expect(removals).toEqual(expect.arrayContaining(['usr/share/doc/bash/README.gz', 'usr/share/doc/bash/changelog.Debian.gz', 'usr/share/doc/libgcc-s1']));
    expect(removals).not.toContain('usr/share/doc/bash/copyright');
  });

  test('files copied from the host and debconf backups go, debconf\'s database stays', () => {
    expect(removals).toEqual(expect.arrayContaining(['etc/resolv.conf', 'etc/hostname', 'var/cache/debconf/config.dat-old']));
    expect(removals).not.toContain('var/cache/debconf/config.dat');
  });

  test('the dpkg config excludes what was removed, so later installs stay slim', () => {
    const config = dpkgSlimConfig();
    for (const line of ['path-exclude /usr/share/doc/*', 'path-include /usr/share/doc/*/copyright', 'path-exclude /usr/share/man/*',
      'path-exclude /usr/share/locale/*', 'path-include /usr/share/locale/locale.alias']) expect(config.split('\n')).toContain(line);
    expect(config).not.toMatch(/var\//);
  });
});

test('the node account matches what groupadd/useradd write for uid/gid 1000', () => {
  expect(nodeAccount(20_000)).toEqual({
    passwd: 'node:x:1000:1000::/home/node:/bin/bash\n',
    group: 'node:x:1000:\n',
    shadow: 'node:!:20000:0:99999:7:::\n',
    gshadow: 'node:!::\n',
  });
});

describe('bundledNpmVersion', () => {
  const changelog = [
    '# Node.js 24 ChangeLog', '',
    "## 2026-09-08, Version 24.21.0 'Krypton' (LTS), @a", '* **crypto**: update root certificates', '',
    "## 2026-08-26, Version 24.20.0 'Krypton' (LTS), @a",
    '* \\[[`c4`](x)] - **deps**: upgrade npm to 11.9.2 (npm team)',
    '* \\[[`7a`](x)] - **deps**: upgrade npm to 11.19.0 (npm team)', '',
    "## 2026-08-03, Version 24.19.0 'Krypton' (LTS), @a", '* **deps**: upgrade npm to 11.17.0', '',
  ].join('\n');

  test('a release without an npm upgrade ships the newest earlier one (highest version of that release)', () => {
    expect(bundledNpmVersion(changelog, '24.21.0')).toBe('11.19.0');
    expect(bundledNpmVersion(changelog, '24.19.0')).toBe('11.17.0');
  });

  test('undefined for a release the changelog does not have', () => {
    expect(bundledNpmVersion(changelog, '24.22.0')).toBeUndefined();
  });
});

test('the base image is named as the Dockerfile\'s FROM resolves it and configured as the official image', () => {
  expect(baseImageRef('24.21.0')).toBe('docker.io/library/node:24.21.0-bookworm-slim');
  expect(baseImageConfig('24.21.0')).toEqual({
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', NODE_VERSION: '24.21.0' },
    cmd: ['node'],
  });
  expect(Object.fromEntries(NODE_SYMLINKS)).toMatchObject({
    'usr/local/bin/npm': '../lib/node_modules/npm/bin/npm-cli.js',
    'usr/local/bin/npx': '../lib/node_modules/npm/bin/npx-cli.js',
  });
});
