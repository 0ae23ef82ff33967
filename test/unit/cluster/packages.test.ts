import { missingPackages } from '../../cluster/packages.ts';

test('missingPackages: names dpkg-query does not report installed (unknown, removed with config, multi-arch)', () => {
  const output = 'buildah installed\nrunc config-files\nlibc6:amd64 installed\ndebootstrap not-installed\n';
  expect(missingPackages(output, ['buildah', 'runc', 'libc6', 'debootstrap', 'busybox-static'])).toEqual(['runc', 'debootstrap', 'busybox-static']);
  expect(missingPackages('', [])).toEqual([]);
});
