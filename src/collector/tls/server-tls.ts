// A listener's TLS material kept current: read at start (errors name the setting), then, when the config asks for
// reloading, re-read when the files change and swapped in with setSecureContext: new connections get the new
// certificate, connections already open (and their calls in flight) go on with the one they began with.
import type { Server as TlsServer, TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { readAll, watchFiles, type Contents, type FileWatch } from '../file-watch.ts';
import { reloadEveryMs, serverTlsFiles, serverTlsOptions, type TlsServerConfig } from './server-config.ts';
import { TlsFileError } from './settings.ts';
import { tls as nodeTls } from '../builtins.ts';

/** How often client_ca_file is checked when only `client_ca_file_reload` asks for reloading. */
const CLIENT_CA_CHECK_MS = 5000;

function checked(cfg: TlsServerConfig, contents: Contents, setting: string): TlsOptions {
  const options = serverTlsOptions(cfg, contents);
  try {
    nodeTls.createSecureContext(options);
  } catch (error) {
    throw new Error(`${setting}: invalid certificate, key or CA: ${(error as Error).message}`, { cause: error });
  }
  return options;
}

export class ServerTls {
  readonly options: TlsOptions;
  readonly #cfg: TlsServerConfig;
  readonly #contents: Contents;
  readonly #setting: string;
  #watch: FileWatch | undefined;

  private constructor(cfg: TlsServerConfig, contents: Contents, setting: string) {
    this.#cfg = cfg;
    this.#contents = contents;
    this.#setting = setting;
    this.options = checked(cfg, contents, setting);
  }

  /** Reads the files; `setting` is the block's path (`receivers.otlp.protocols.grpc.tls`) for error messages. */
  static async load(cfg: TlsServerConfig, setting: string): Promise<ServerTls> {
    const contents = new Map<string, string>();
    for (const [field, path] of Object.entries(serverTlsFiles(cfg))) {
      try {
        contents.set(path, (await readAll([path])).get(path)!);
      } catch (error) {
        throw new TlsFileError(`${setting}.${field}`, path, error as Error);
      }
    }
    return new ServerTls(cfg, contents, setting);
  }

  /** Starts swapping `server`'s secure context when the files change (if the config reloads at all). */
  follow(server: TlsServer, logger: Logger): void {
    const every = reloadEveryMs(this.#cfg, CLIENT_CA_CHECK_MS);
    if (every === 0 || this.#contents.size === 0) return;
    this.#watch = watchFiles(this.#contents, every, (next) => {
      server.setSecureContext(checked(this.#cfg, next, this.#setting));
      logger.info({ files: [...next.keys()] }, 'TLS certificate files changed; new connections use them');
    }, (error) => logger.warn({ err: error }, 'TLS files not reloaded; the server keeps its current certificate'));
  }

  stop(): void {
    this.#watch?.stop();
  }
}
