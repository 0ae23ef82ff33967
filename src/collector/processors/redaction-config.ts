// The redaction processor's config, as contrib's redactionprocessor v0.161.0 reads it. Regular expressions are RE2
// and checked here (upstream finds a bad one when it builds the pipeline); the database and URL sanitizers are
// refused as unsupported.
import { z } from 'zod';
import { re2Problem } from '../../contract/re2.ts';

export const HASH_FUNCTIONS = ['', 'sha1', 'sha3', 'md5', 'hmac-sha256', 'hmac-sha512'] as const;
export type HashFunction = (typeof HASH_FUNCTIONS)[number];

const hashFunction = z.string().transform((text, ctx) => {
  const name = text.toLowerCase();
  if ((HASH_FUNCTIONS as readonly string[]).includes(name)) return name as HashFunction;
  ctx.addIssue({ code: 'custom', message: `unknown HashFunction ${name}, allowed functions are sha1, sha3, md5, hmac-sha256 and hmac-sha512` });
  return z.NEVER;
});

const patterns = z.array(z.string()).default([]).superRefine((list, ctx) => {
  list.forEach((pattern, index) => {
    const problem = re2Problem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', path: [index], message: problem });
  });
});

function unsupported(message: string) {
  return z.unknown().optional().refine((value) => value === undefined, { message });
}

export const redactionConfigSchema = z
  .strictObject({
    allow_all_keys: z.boolean().default(false),
    allowed_keys: z.array(z.string()).default([]),
    ignored_keys: z.array(z.string()).default([]),
    ignored_key_patterns: patterns,
    blocked_key_patterns: patterns,
    blocked_values: patterns,
    allowed_values: patterns,
    redact_all_types: z.boolean().default(false),
    hash_function: hashFunction.default(''),
    hmac_key: z.string().default(''),
    summary: z.string().default(''),
    db_sanitizer: unsupported('unsupported: database query sanitization (db_sanitizer)'),
    url_sanitizer: unsupported('unsupported: URL sanitization (url_sanitizer)'),
  })
  .superRefine((config, ctx) => {
    if (config.hash_function !== 'hmac-sha256' && config.hash_function !== 'hmac-sha512') return;
    const path = ['hmac_key'];
    if (config.hmac_key === '') {
      ctx.addIssue({ code: 'custom', path, message: `hmac_key must not be empty when hash_function is "${config.hash_function}"` });
      return;
    }
    const minimum = config.hash_function === 'hmac-sha512' ? 64 : 32;
    const length = Buffer.byteLength(config.hmac_key, 'utf8');
    if (length < minimum) ctx.addIssue({ code: 'custom', path, message: `hmac_key must be at least ${minimum} bytes long for "${config.hash_function}", got ${length} bytes` });
  });

export type RedactionConfig = z.output<typeof redactionConfigSchema>;
