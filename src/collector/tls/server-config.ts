// A receiver's `tls` block: upstream configtls' ServerConfig fields and defaults, and the node:tls server options
// they mean (pure, table-tested). A certificate and key are required; `client_ca_file` turns on client
// certificate verification (mTLS: a client without a certificate signed by that CA fails the handshake).
import type { TlsOptions } from 'node:tls';
import { z } from 'zod';
import { duration } from '../config/duration.ts';
import { commonTlsFields, NODE_TLS_VERSION, tlsProblems, TLS_VERSIONS } from './settings.ts';
import { suiteOptions } from './suites.ts';

export const tlsServerSchema = z
  .strictObject({
    ...commonTlsFields,
    client_ca_file: z.string().optional(),
    /** Re-read client_ca_file when it changes. */
    client_ca_file_reload: z.boolean().default(false),
    /** How often the certificate and key files are checked for changes; 0: never (read once at start). */
    reload_interval: duration.default(0),
  })
  .superRefine((tls, ctx) => {
    for (const [field, message] of tlsProblems(tls)) ctx.addIssue({ code: 'custom', path: [field], message });
    if (tls.cert_file === undefined && tls.cert_pem === undefined && tls.key_file === undefined && tls.key_pem === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cert_file'], message: 'TLS configuration must include both certificate and key for server connections' });
    }
    if (tls.max_version !== undefined && TLS_VERSIONS.indexOf(tls.min_version) > TLS_VERSIONS.indexOf(tls.max_version)) {
      ctx.addIssue({ code: 'custom', path: ['min_version'], message: 'invalid TLS configuration: min_version cannot be greater than max_version' });
    }
  });

export type TlsServerConfig = z.output<typeof tlsServerSchema>;

/** The files a server reads, by field; inline PEMs are not files. */
export type ServerTlsFiles = Partial<Record<'cert_file' | 'key_file' | 'client_ca_file', string>>;

export function serverTlsFiles(tls: TlsServerConfig): ServerTlsFiles {
  return {
    ...(tls.cert_file !== undefined && { cert_file: tls.cert_file }),
    ...(tls.key_file !== undefined && { key_file: tls.key_file }),
    ...(tls.client_ca_file !== undefined && { client_ca_file: tls.client_ca_file }),
  };
}

/** How often to check the files for changes, or 0 when nothing reloads. */
export function reloadEveryMs(tls: TlsServerConfig, caCheckMs: number): number {
  if (tls.reload_interval > 0) return tls.reload_interval;
  return tls.client_ca_file_reload && tls.client_ca_file !== undefined ? caCheckMs : 0;
}

/** node:tls server options from the config and the content of its files (keyed by path). */
export function serverTlsOptions(tls: TlsServerConfig, contents: ReadonlyMap<string, string>): TlsOptions {
  const file = (path: string | undefined) => (path === undefined ? undefined : contents.get(path));
  const clientCa = file(tls.client_ca_file);
  return {
    cert: tls.cert_pem ?? file(tls.cert_file),
    key: tls.key_pem ?? file(tls.key_file),
    minVersion: NODE_TLS_VERSION[tls.min_version],
    ...(tls.max_version !== undefined && { maxVersion: NODE_TLS_VERSION[tls.max_version] }),
    ...(clientCa !== undefined && { ca: clientCa, requestCert: true, rejectUnauthorized: true }),
    ...suiteOptions(tls),
  };
}
