// Client settings shared by the OTLP exporters, with upstream's field names: configtls' client
// `tls` block and configopaque headers (a map, or upstream's newer list of {name, value}).
import type { SecureVersion } from 'node:tls';
import type { Logger } from 'pino';
import { z } from 'zod';
import { duration } from '../config/duration.ts';
import { readAll, watchFiles, type FileWatch } from '../file-watch.ts';
import { commonTlsFields, NODE_TLS_VERSION, tlsProblems, readPem } from '../tls/settings.ts';
import { suiteOptions } from '../tls/suites.ts';
import { tls as nodeTls } from '../builtins.ts';

export const tlsClientSchema = z
  .strictObject({
    /** gRPC only: plaintext unless a CA is given or the endpoint is https://. */
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    server_name_override: z.string().default(''),
    ...commonTlsFields,
    /** How often the CA, certificate and key files are checked for changes; 0: never (read once at start). */
    reload_interval: duration.default(0),
  })
  .superRefine((tls, ctx) => {
    for (const [field, message] of tlsProblems(tls)) ctx.addIssue({ code: 'custom', path: [field], message });
  });

export type TlsClientConfig = z.output<typeof tlsClientSchema>;

export function hasCa(tls: TlsClientConfig): boolean {
  return tls.ca_file !== undefined || tls.ca_pem !== undefined;
}

const headerList = z.array(z.strictObject({ name: z.string().min(1), value: z.string() }));

/** Header maps as either `{k: v}` or `[{name, value}]`; normalised to pairs. */
export const headersSchema = z
  .union([z.record(z.string(), z.string()), headerList])
  .default({})
  .transform((headers): Array<[string, string]> =>
    Array.isArray(headers) ? headers.map((h) => [h.name, h.value]) : Object.entries(headers));

/** TLS material as node:tls options, files read at start as upstream does. */
export interface TlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
  readonly minVersion: SecureVersion;
  readonly maxVersion?: SecureVersion;
  readonly ciphers?: string;
  readonly ecdhCurve?: string;
}

export async function loadTls(tls: TlsClientConfig): Promise<TlsMaterial> {
  const ownCa = await readPem(tls.ca_pem, tls.ca_file, 'tls.ca_file');
  const ca = ownCa !== undefined && tls.include_system_ca_certs_pool ? [...nodeTls.rootCertificates, ownCa].join('\n') : ownCa;
  const cert = await readPem(tls.cert_pem, tls.cert_file, 'tls.cert_file');
  const key = await readPem(tls.key_pem, tls.key_file, 'tls.key_file');
  return {
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
    rejectUnauthorized: !tls.insecure_skip_verify,
    ...(tls.server_name_override !== '' && { servername: tls.server_name_override }),
    minVersion: NODE_TLS_VERSION[tls.min_version],
    ...(tls.max_version !== undefined && { maxVersion: NODE_TLS_VERSION[tls.max_version] }),
    ...suiteOptions(tls),
  };
}

/**
 * With `reload_interval`, calls `onChange` with the material read anew whenever one of the TLS files changed, so
 * an exporter can open its next connections with a renewed client certificate or CA (a rotated Secret) while
 * connections and calls in flight finish with the old one. Undefined when nothing is to be watched.
 */
export async function watchClientTls(
  tls: TlsClientConfig, logger: Logger, onChange: (material: TlsMaterial) => void,
): Promise<FileWatch | undefined> {
  const files = [tls.ca_file, tls.cert_file, tls.key_file].filter((file): file is string => file !== undefined);
  if (tls.reload_interval <= 0 || files.length === 0) return undefined;
  return watchFiles(await readAll(files), tls.reload_interval, () => {
    loadTls(tls).then((material) => {
      onChange(material);
      logger.info({ files }, 'TLS files changed: new connections use the reloaded certificates');
    }, (error: Error) => logger.warn({ err: error }, 'cannot reload the TLS files; keeping the last certificates'));
  }, (error) => logger.warn({ err: error }, 'cannot re-read the TLS files; keeping the last certificates'));
}

/** How long a replaced connection pool lives on for calls in flight: one export timeout, and a margin. */
export function retireAfterMs(timeoutMs: number): number {
  return (timeoutMs > 0 ? timeoutMs : 60_000) + 5_000;
}

export const USER_AGENT = `telemetry-pipeline-operator collector (${process.platform}/${process.arch})`;
