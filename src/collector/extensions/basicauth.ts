// basicauth extension (contrib), as upstream: one instance is either a server authenticator (`htpasswd`: a file
// and/or inline entries, inline winning for a user in both) or a client authenticator (`client_auth`: username
// and password, each from the config or a file). Files are re-read when they change (checked every second), so a
// rotated Secret takes effect without a restart; upstream reads the htpasswd file once at start.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuthSources, ClientAuthenticator, ServerAuthenticator } from '../auth.ts';
import type { ComponentContext, ExtensionFactory, Lifecycle } from '../component.ts';
import { readAll, watchFiles, type Contents, type FileWatch } from '../file-watch.ts';
import { basicAuthorization, parseBasicAuthorization, parseHtpasswd, passwordMatches, type Htpasswd } from './htpasswd.ts';

const FILE_CHECK_MS = 1000;
/**
 * Authorization values already verified, so a bcrypt hash (tens of ms per check) is paid once per credential and
 * not per request; cleared whenever the htpasswd content changes. Bounded: a full cache is emptied.
 */
const VERIFIED_CACHE_ENTRIES = 1024;

const htpasswdSchema = z.strictObject({ file: z.string().default(''), inline: z.string().default('') });

const clientAuthSchema = z.strictObject({
  username: z.string().default(''),
  username_file: z.string().default(''),
  password: z.string().default(''),
  password_file: z.string().default(''),
  aws_secrets_manager: z.unknown().optional().refine((v) => v === undefined, { message: 'unsupported: aws_secrets_manager (use password_file with a mounted Secret)' }),
});

export const basicAuthConfigSchema = z
  .strictObject({ htpasswd: htpasswdSchema.optional(), client_auth: clientAuthSchema.optional() })
  .superRefine((cfg, ctx) => {
    if (cfg.htpasswd && cfg.client_auth) ctx.addIssue({ code: 'custom', path: [], message: 'only one of `htpasswd` or `client_auth` can be specified' });
    else if (!cfg.htpasswd && !cfg.client_auth) ctx.addIssue({ code: 'custom', path: [], message: 'no credential source provided' });
    else if (cfg.htpasswd && cfg.htpasswd.file === '' && cfg.htpasswd.inline === '') {
      ctx.addIssue({ code: 'custom', path: ['htpasswd'], message: 'no credential source provided (set file or inline)' });
    }
  });

export type BasicAuthConfig = z.output<typeof basicAuthConfigSchema>;

async function readFiles(ctx: ComponentContext, field: string, paths: string[]): Promise<Contents> {
  try {
    return await readAll(paths);
  } catch (error) {
    throw new Error(`extensions.${ctx.id}.${field}: cannot read ${paths.join(', ')}: ${(error as Error).message}`, { cause: error });
  }
}

function watch(ctx: ComponentContext, contents: Contents, onChange: (next: Contents) => void): FileWatch {
  return watchFiles(contents, FILE_CHECK_MS, (next) => {
    onChange(next);
    ctx.logger.info({ files: [...next.keys()] }, 'credentials file changed; reloaded');
  }, (error) => ctx.logger.warn({ err: error }, 'cannot re-read a credentials file; keeping the last content'));
}

class BasicAuthServer implements Lifecycle, ServerAuthenticator {
  readonly #ctx: ComponentContext;
  readonly #cfg: z.output<typeof htpasswdSchema>;
  #entries: Htpasswd;
  readonly #verified = new Set<string>();
  #watch: FileWatch | undefined;

  constructor(ctx: ComponentContext, cfg: z.output<typeof htpasswdSchema>) {
    this.#ctx = ctx;
    this.#cfg = cfg;
    this.#entries = parseHtpasswd(cfg.inline);
  }

  async start(): Promise<void> {
    const file = this.#cfg.file;
    if (file === '') return;
    const contents = await readFiles(this.#ctx, 'htpasswd.file', [file]);
    this.#load(contents.get(file)!);
    this.#watch = watch(this.#ctx, contents, (next) => this.#load(next.get(file)!));
  }

  #load(fileContent: string): void {
    this.#entries = parseHtpasswd(fileContent, this.#cfg.inline);
    this.#verified.clear();
  }

  async shutdown(): Promise<void> {
    this.#watch?.stop();
  }

  authenticate(sources: AuthSources): string | undefined {
    const raw = sources.authorization ?? sources.Authorization;
    const value = typeof raw === 'string' ? raw : raw?.[0];
    if (!value) return 'no basic auth provided';
    const key = createHash('sha256').update(value).digest('base64');
    if (this.#verified.has(key)) return undefined;
    const credentials = parseBasicAuthorization(value);
    if (typeof credentials === 'string') return credentials;
    const hash = this.#entries.get(credentials.username);
    if (hash === undefined || !passwordMatches(hash, credentials.password)) return 'invalid credentials';
    if (this.#verified.size >= VERIFIED_CACHE_ENTRIES) this.#verified.clear();
    this.#verified.add(key);
    return undefined;
  }
}

class BasicAuthClient implements Lifecycle, ClientAuthenticator {
  readonly #ctx: ComponentContext;
  readonly #cfg: z.output<typeof clientAuthSchema>;
  #value = '';
  #watch: FileWatch | undefined;

  constructor(ctx: ComponentContext, cfg: z.output<typeof clientAuthSchema>) {
    this.#ctx = ctx;
    this.#cfg = cfg;
  }

  async start(): Promise<void> {
    const files = [this.#cfg.username_file, this.#cfg.password_file].filter((path) => path !== '');
    if (files.length === 0) {
      this.#value = this.#encode(new Map());
      return;
    }
    const contents = await readFiles(this.#ctx, 'client_auth', files);
    this.#value = this.#encode(contents);
    this.#watch = watch(this.#ctx, contents, (next) => (this.#value = this.#encode(next)));
  }

  /** A file's value is its content without the trailing newline editors and `kubectl create secret` leave. */
  #encode(contents: Contents): string {
    const fromFile = (path: string) => contents.get(path)?.replace(/\r?\n$/, '');
    const username = this.#cfg.username_file ? fromFile(this.#cfg.username_file)! : this.#cfg.username;
    const password = this.#cfg.password_file ? fromFile(this.#cfg.password_file)! : this.#cfg.password;
    if (username.includes(':')) throw new Error(`extensions.${this.#ctx.id}.client_auth: invalid authorization format (the username holds a colon)`);
    return basicAuthorization(username, password);
  }

  async shutdown(): Promise<void> {
    this.#watch?.stop();
  }

  credential(): { name: string; value: string } {
    return { name: 'authorization', value: this.#value };
  }
}

export const basicAuthExtensionFactory: ExtensionFactory<BasicAuthConfig> = {
  type: 'basicauth',
  configSchema: basicAuthConfigSchema,
  create: (ctx, cfg) => (cfg.htpasswd ? new BasicAuthServer(ctx, cfg.htpasswd) : new BasicAuthClient(ctx, cfg.client_auth!)),
};
