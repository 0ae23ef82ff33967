// Client settings shared by the OTLP exporters, with upstream's field names: configtls' client
// `tls` block and configopaque headers (a map, or upstream's newer list of {name, value}).
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import { z } from 'zod';

const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];
const NODE_TLS_VERSION = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const satisfies Record<TlsVersion, SecureVersion>;

export const tlsClientSchema = z
  .strictObject({
    /** gRPC only: plaintext unless a CA is given or the endpoint is https://. */
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    server_name_override: z.string().default(''),
    ca_file: z.string().optional(),
    ca_pem: z.string().optional(),
    cert_file: z.string().optional(),
    cert_pem: z.string().optional(),
    key_file: z.string().optional(),
    key_pem: z.string().optional(),
    include_system_ca_certs_pool: z.boolean().default(false),
    min_version: z.enum(TLS_VERSIONS).default('1.2'),
    max_version: z.enum(TLS_VERSIONS).optional(),
  })
  .superRefine((tls, ctx) => {
    const pairs = [['ca_file', 'ca_pem'], ['cert_file', 'cert_pem'], ['key_file', 'key_pem']] as const;
    for (const [file, pem] of pairs) {
      if (tls[file] !== undefined && tls[pem] !== undefined) ctx.addIssue({ code: 'custom', path: [pem], message: `set either ${file} or ${pem}, not both` });
    }
    const hasCert = tls.cert_file !== undefined || tls.cert_pem !== undefined;
    const hasKey = tls.key_file !== undefined || tls.key_pem !== undefined;
    if (hasCert !== hasKey) ctx.addIssue({ code: 'custom', path: [hasCert ? 'key_file' : 'cert_file'], message: 'client certificate and key must be given together' });
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
}

async function pem(inline: string | undefined, file: string | undefined, field: string): Promise<string | undefined> {
  if (inline !== undefined) return inline;
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`tls.${field}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export async function loadTls(tls: TlsClientConfig): Promise<TlsMaterial> {
  const ownCa = await pem(tls.ca_pem, tls.ca_file, 'ca_file');
  const ca = ownCa !== undefined && tls.include_system_ca_certs_pool ? [...rootCertificates, ownCa].join('\n') : ownCa;
  const cert = await pem(tls.cert_pem, tls.cert_file, 'cert_file');
  const key = await pem(tls.key_pem, tls.key_file, 'key_file');
  return {
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
    rejectUnauthorized: !tls.insecure_skip_verify,
    ...(tls.server_name_override !== '' && { servername: tls.server_name_override }),
    minVersion: NODE_TLS_VERSION[tls.min_version],
    ...(tls.max_version !== undefined && { maxVersion: NODE_TLS_VERSION[tls.max_version] }),
  };
}

export const USER_AGENT = `telemetry-pipeline-operator collector (${process.platform}/${process.arch})`;
