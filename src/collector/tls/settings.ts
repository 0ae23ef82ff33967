// The TLS fields both sides share, with upstream configtls' names and defaults: protocol versions as Node names
// them, and reading PEM material given inline (`*_pem`) or as a file (`*_file`), naming the field on failure.
import { readFile } from 'node:fs/promises';
import type { SecureVersion } from 'node:tls';
import { z } from 'zod';
import { suiteProblems, type SuiteSettings } from './suites.ts';

export const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];
export const NODE_TLS_VERSION = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const satisfies Record<TlsVersion, SecureVersion>;

export const tlsVersion = z.enum(TLS_VERSIONS);

/** configtls' Config fields, common to the client and the server blocks. */
export const commonTlsFields = {
  ca_file: z.string().optional(),
  ca_pem: z.string().optional(),
  cert_file: z.string().optional(),
  cert_pem: z.string().optional(),
  key_file: z.string().optional(),
  key_pem: z.string().optional(),
  include_system_ca_certs_pool: z.boolean().default(false),
  min_version: tlsVersion.default('1.2'),
  max_version: tlsVersion.optional(),
  cipher_suites: z.array(z.string()).default([]),
  include_insecure_cipher_suites: z.boolean().default(false),
  curve_preferences: z.array(z.string()).default([]),
};

/** Pairs of fields of which at most one may be set. */
export const PEM_PAIRS = [['ca_file', 'ca_pem'], ['cert_file', 'cert_pem'], ['key_file', 'key_pem']] as const;

type PemFields = Partial<Record<(typeof PEM_PAIRS)[number][number], string>>;

/**
 * Problems of the file/pem pairs, of a certificate without its key, and of unknown cipher suites and curves
 * (upstream's texts), as [field, message].
 */
export function tlsProblems(tls: PemFields & SuiteSettings): Array<[string, string]> {
  const problems: Array<[string, string]> = suiteProblems(tls);
  for (const [file, pem] of PEM_PAIRS) {
    if (tls[file] !== undefined && tls[pem] !== undefined) problems.push([pem, `set either ${file} or ${pem}, not both`]);
  }
  const hasCert = tls.cert_file !== undefined || tls.cert_pem !== undefined;
  const hasKey = tls.key_file !== undefined || tls.key_pem !== undefined;
  if (hasCert !== hasKey) problems.push([hasCert ? 'key_file' : 'cert_file', 'certificate and key must be given together']);
  return problems;
}

/** Error naming the setting (`tls.cert_file`, `receivers.otlp.protocols.grpc.tls.cert_file`) whose file could not be read. */
export class TlsFileError extends Error {
  constructor(setting: string, file: string, cause: Error) {
    super(`${setting}: cannot read ${file}: ${cause.message}`, { cause });
    this.name = 'TlsFileError';
  }
}

export async function readPem(inline: string | undefined, file: string | undefined, setting: string): Promise<string | undefined> {
  if (inline !== undefined) return inline;
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new TlsFileError(setting, file, error as Error);
  }
}
