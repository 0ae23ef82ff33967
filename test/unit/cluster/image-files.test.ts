import { archiveId, archiveName } from '../../cluster/image/archive.ts';
import { buildNpmrc, containersConf, registriesConf, storageConf } from '../../cluster/image/conf.ts';
import { mountsUnder } from '../../cluster/image/mounts.ts';
import { privateContainerdConfig } from '../../cluster/image/private-containerd.ts';
import { contentTag, stampOf } from '../../cluster/image/stamp.ts';
import { enabledCertificates } from '../../cluster/image/upstream.ts';

test('containers.conf sets the ulimits a container can have without CAP_SYS_RESOURCE', () => {
  expect(containersConf()).toBe('[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n');
});

test('storage.conf names the driver and the private roots', () => {
  expect(storageConf({ driver: 'overlay', graphroot: '/c/storage', runroot: '/run/x' }))
    .toBe('[storage]\ndriver = "overlay"\ngraphroot = "/c/storage"\nrunroot = "/run/x"\n');
});

test('short names resolve to docker.io', () => {
  expect(registriesConf()).toContain('unqualified-search-registries = ["docker.io"]');
});

test('the build npmrc names the registry, and the mounted CA only when the machine has one', () => {
  expect(buildNpmrc({ registry: 'https://registry.npmjs.org/', cafile: true }))
    .toBe('registry=https://registry.npmjs.org/\ncafile=/usr/local/etc/tpo-build-ca.crt\n');
  expect(buildNpmrc({ registry: 'https://r.example/', cafile: false })).toBe('registry=https://r.example/\n');
});

describe('contentTag', () => {
  const files = [
    { path: 'src/a.ts', mode: 'file' as const, content: Buffer.from('a') },
    { path: 'bin/tpo.js', mode: 'executable' as const, content: Buffer.from('#!') },
  ];

  test('16 hex digits, independent of the listing order', () => {
    expect(contentTag(files, { base: 'x' })).toMatch(/^[0-9a-f]{16}$/);
    expect(contentTag([...files].reverse(), { base: 'x' })).toBe(contentTag(files, { base: 'x' }));
  });

  test('changes with a byte, a mode, a path or an input', () => {
    const tag = contentTag(files, { base: 'x' });
    expect(contentTag([{ ...files[0]!, content: Buffer.from('b') }, files[1]!], { base: 'x' })).not.toBe(tag);
    expect(contentTag([{ ...files[0]!, mode: 'executable' }, files[1]!], { base: 'x' })).not.toBe(tag);
    expect(contentTag([{ ...files[0]!, path: 'src/b.ts' }, files[1]!], { base: 'x' })).not.toBe(tag);
    expect(contentTag(files, { base: 'y' })).not.toBe(tag);
  });

  test('moving bytes between a path and its content is a change (fields are delimited)', () => {
    expect(contentTag([{ path: 'ab', mode: 'file', content: Buffer.from('c') }], {}))
      .not.toBe(contentTag([{ path: 'a', mode: 'file', content: Buffer.from('bc') }], {}));
  });
});

test('stampOf is a sha256 of the recipe', () => {
  expect(stampOf({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  expect(stampOf({ a: 1 })).not.toBe(stampOf({ a: 2 }));
});

test('archive names carry the image id, and only such names are recognised', () => {
  const name = archiveName('localhost/telemetry-pipeline-operator:0123abcd', 'f0a542a80dd0c0ffee');
  expect(name).toBe('localhost_telemetry-pipeline-operator_0123abcd-f0a542a80dd0.oci.tar');
  expect(archiveId(name)).toBe('f0a542a80dd0');
  expect(archiveId(`${name}.123.partial`)).toBeUndefined();
  expect(archiveId('other.tar')).toBeUndefined();
});

test('mountsUnder: mount points at or below a directory, deepest first, octal escapes decoded', () => {
  const mountinfo = [
    '22 1 254:0 / / rw - ext4 /dev/vda rw',
    '80 22 0:5 / /tmp/root\\040fs rw - overlay overlay rw',
    '81 80 0:6 / /tmp/root\\040fs/proc rw - proc proc rw',
    '82 80 0:7 / /tmp/root\\040fs/sys rw - sysfs sysfs rw',
    '83 22 0:8 / /tmp/root\\040fs2 rw - tmpfs tmpfs rw',
  ].join('\n');
  expect(mountsUnder(mountinfo, '/tmp/root fs')).toEqual(['/tmp/root fs/proc', '/tmp/root fs/sys', '/tmp/root fs']);
});

test('the CA bundle takes the certificates ca-certificates.conf enables, nothing deselected', () => {
  expect(enabledCertificates('# comment\nmozilla/A.crt\n!mozilla/B.crt\n\nmozilla/C.crt\n')).toEqual(['mozilla/A.crt', 'mozilla/C.crt']);
});

test('the private containerd keeps every path under its directory and runs without CRI', () => {
  const config = privateContainerdConfig('/tmp/tpo-containerd-x');
  const paths = [...config.matchAll(/(?:root|state|address|path) = "([^"]*)"/g)].map((m) => m[1]!).filter(Boolean);
  expect(paths.length).toBe(5);
  for (const path of paths) expect(path.startsWith('/tmp/tpo-containerd-x/')).toBe(true);
  expect(config).toContain('disabled_plugins = ["io.containerd.grpc.v1.cri"]');
});
