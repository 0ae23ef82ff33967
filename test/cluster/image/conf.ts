// Text of the configuration files buildah and npm read during an image build (pure).

/**
 * containers.conf for buildah's RUN steps. The VM lacks CAP_SYS_RESOURCE, so a container cannot inherit the host's
 * higher limits: without these defaults every `buildah run` / RUN fails setting rlimits.
 */
export function containersConf(): string {
  return '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n';
}

export type StorageDriver = 'overlay' | 'vfs';

/** storage.conf of the harness's private image store (never /var/lib/containers). */
export function storageConf(opts: { driver: StorageDriver; graphroot: string; runroot: string }): string {
  return `[storage]\ndriver = ${JSON.stringify(opts.driver)}\ngraphroot = ${JSON.stringify(opts.graphroot)}\n`
    + `runroot = ${JSON.stringify(opts.runroot)}\n`;
}

/**
 * registries.conf: short names (`FROM node:...`) resolve to docker.io, as with Docker. Builds run with
 * --pull=never, so this only names images already in the store; nothing is fetched from a registry.
 */
export function registriesConf(): string {
  return 'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n';
}

/**
 * Directory the build mounts (read-only) over the base image's empty /usr/local/etc, which holds npm's global
 * config file for a Node installed under /usr/local. A directory that already exists leaves no trace in the layers;
 * a file mounted where the image has none would leave an empty mount point behind.
 */
export const BUILD_NPM_DIR = '/usr/local/etc';
export const BUILD_NPMRC_NAME = 'npmrc';
export const BUILD_CA_NAME = 'tpo-build-ca.crt';

/** npmrc for `npm ci` inside a build: this machine's registry and, when it has one, its CA bundle. */
export function buildNpmrc(opts: { registry: string; cafile: boolean }): string {
  return `registry=${opts.registry}\n${opts.cafile ? `cafile=${BUILD_NPM_DIR}/${BUILD_CA_NAME}\n` : ''}`;
}
