// bearertokenauth extension (contrib), as server and client authenticator: `token`, `tokens` or `filename` (the
// file wins; one token per line, first word of the line), `scheme` (default "Bearer", "" sends the bare token),
// `header` (default "Authorization"). A token file is re-read when it changes (checked every second), so a
// rotated Secret takes effect without a restart. Clients send the first token; servers accept any of them.
import { z } from 'zod';
import type { AuthSources, ClientAuthenticator, ServerAuthenticator } from '../auth.ts';
import type { ComponentContext, ExtensionFactory, Lifecycle } from '../component.ts';
import { readAll, watchFiles, type FileWatch } from '../file-watch.ts';
import { checkBearer, headerValues, tokensFromFile } from './bearer-token.ts';

const TOKEN_FILE_CHECK_MS = 1000;

export const bearerTokenAuthConfigSchema = z
  .strictObject({
    header: z.string().min(1).default('Authorization'),
    scheme: z.string().default('Bearer'),
    token: z.string().optional(),
    tokens: z.array(z.string()).optional(),
    filename: z.string().optional(),
  })
  .superRefine((cfg, ctx) => {
    if (!cfg.token && !cfg.tokens?.length && !cfg.filename) ctx.addIssue({ code: 'custom', path: [], message: 'no bearer token provided (set token, tokens or filename)' });
    if (cfg.token && cfg.tokens?.length) ctx.addIssue({ code: 'custom', path: ['tokens'], message: 'either tokens or token should be provided, not both' });
  });

export type BearerTokenAuthConfig = z.output<typeof bearerTokenAuthConfigSchema>;

class BearerTokenAuth implements Lifecycle, ServerAuthenticator, ClientAuthenticator {
  readonly #ctx: ComponentContext;
  readonly #cfg: BearerTokenAuthConfig;
  #values: string[];
  #watch: FileWatch | undefined;

  constructor(ctx: ComponentContext, cfg: BearerTokenAuthConfig) {
    this.#ctx = ctx;
    this.#cfg = cfg;
    this.#values = headerValues(cfg.scheme, cfg.tokens ?? (cfg.token ? [cfg.token] : []));
  }

  async start(): Promise<void> {
    const file = this.#cfg.filename;
    if (file === undefined) return;
    if (this.#cfg.token || this.#cfg.tokens?.length) this.#ctx.logger.warn('a filename is specified. Configured token(s) is ignored!');
    let contents;
    try {
      contents = await readAll([file]);
    } catch (error) {
      throw new Error(`extensions.${this.#ctx.id}.filename: cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    this.#values = headerValues(this.#cfg.scheme, tokensFromFile(contents.get(file)!));
    this.#watch = watchFiles(contents, TOKEN_FILE_CHECK_MS, (next) => {
      this.#values = headerValues(this.#cfg.scheme, tokensFromFile(next.get(file)!));
      this.#ctx.logger.info({ filename: file }, 'refresh token');
    }, (error) => this.#ctx.logger.warn({ err: error, filename: file }, 'cannot re-read the token file; keeping the last token'));
  }

  async shutdown(): Promise<void> {
    this.#watch?.stop();
  }

  authenticate(sources: AuthSources): string | undefined {
    return checkBearer(sources, this.#cfg.header, this.#values);
  }

  credential(): { name: string; value: string } {
    return { name: this.#cfg.header, value: this.#values[0] ?? '' };
  }
}

export const bearerTokenAuthExtensionFactory: ExtensionFactory<BearerTokenAuthConfig> = {
  type: 'bearertokenauth',
  configSchema: bearerTokenAuthConfigSchema,
  create: (ctx, cfg) => new BearerTokenAuth(ctx, cfg),
};
