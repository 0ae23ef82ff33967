// The Secrets a pipeline names for TLS, bearer tokens and basic auth -> read-only Secret volumes of the collector
// pods and the config blocks (upstream configtls, bearertokenauth and basicauth fields) pointing at the mounted files. The operator only
// writes names: the kubelet reads the Secrets, and updates the files in place when they change (an atomic symlink
// swap the collectors' reload picks up), which a subPath or env mount would not.
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { SECRETS_DIR } from '../../api/constants.ts';
import type { ExporterAuth, ExporterTls, ReceiverAuth, ReceiverTls } from '../../api/spec-security.ts';
import type { Exporter, TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';

/** How often the collectors check the certificate files (upstream reload_interval); the kubelet syncs about every minute. */
export const TLS_RELOAD_INTERVAL = '30s';
const authType = (auth: ReceiverAuth | ExporterAuth) => (auth.bearerTokenSecret ? 'bearertokenauth' : 'basicauth');
/** The receivers' authenticator, and an exporter's: an extension id of the auth's type. */
export const receiverAuthenticator = (auth: ReceiverAuth) => `${authType(auth)}/otlp`;
export const exporterAuthenticator = (exporterName: string, auth: ExporterAuth) => `${authType(auth)}/exporter-${exporterName}`;

export function secretFile(secretName: string, key: string): string {
  return `${SECRETS_DIR}/${secretName}/${key}`;
}

function clientOf(exporter: Exporter) {
  return (exporter.otlp ?? exporter.otlphttp)!;
}

/** Every Secret the spec names for files, sorted, each once. */
export function mountedSecretNames(spec: TelemetryPipelineSpec): string[] {
  const { tls, auth } = spec.receivers.otlp;
  const names = [tls?.certificateSecret.name, tls?.clientCASecret?.name, auth?.bearerTokenSecret?.name, auth?.htpasswdSecret?.name];
  for (const exporter of spec.exporters) {
    const client = clientOf(exporter);
    names.push(client.tls?.caSecret?.name, client.tls?.certificateSecret?.name, client.auth?.bearerTokenSecret?.name, client.auth?.basicAuthSecret?.name);
  }
  return [...new Set(names.filter((name): name is string => name !== undefined))].sort();
}

/** One volume per Secret (volume names are DNS labels, Secret names may be longer: numbered in name order). */
export function secretVolumes(spec: TelemetryPipelineSpec): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const names = mountedSecretNames(spec);
  return {
    volumes: names.map((secretName, i) => ({ name: `secret-${i}`, secret: { secretName } })),
    mounts: names.map((secretName, i) => ({ name: `secret-${i}`, mountPath: `${SECRETS_DIR}/${secretName}`, readOnly: true })),
  };
}

export function receiverTlsConfig(tls: ReceiverTls) {
  const cert = tls.certificateSecret.name;
  return {
    cert_file: secretFile(cert, 'tls.crt'),
    key_file: secretFile(cert, 'tls.key'),
    ...(tls.clientCASecret && { client_ca_file: secretFile(tls.clientCASecret.name, tls.clientCASecret.key), client_ca_file_reload: true }),
    min_version: tls.minVersion,
    reload_interval: TLS_RELOAD_INTERVAL,
  };
}

export function exporterTlsConfig(tls: ExporterTls) {
  const cert = tls.certificateSecret?.name;
  return {
    ...(tls.caSecret && { ca_file: secretFile(tls.caSecret.name, tls.caSecret.key) }),
    ...(cert !== undefined && { cert_file: secretFile(cert, 'tls.crt'), key_file: secretFile(cert, 'tls.key') }),
    ...(tls.insecureSkipVerify && { insecure_skip_verify: true }),
    // A renewed client certificate or CA is used for the next connections without a restart.
    ...((tls.caSecret || cert !== undefined) && { reload_interval: TLS_RELOAD_INTERVAL }),
  };
}

/** An auth extension's config: upstream's bearertokenauth or basicauth fields, pointing at the mounted files. */
export type AuthExtension =
  | { filename: string }
  | { htpasswd: { file: string } }
  | { client_auth: { username_file: string; password_file: string } };

function authExtension(auth: ReceiverAuth | ExporterAuth): AuthExtension {
  if (auth.bearerTokenSecret) return { filename: secretFile(auth.bearerTokenSecret.name, auth.bearerTokenSecret.key) };
  if ('htpasswdSecret' in auth && auth.htpasswdSecret) return { htpasswd: { file: secretFile(auth.htpasswdSecret.name, auth.htpasswdSecret.key) } };
  const basic = (auth as ExporterAuth).basicAuthSecret!.name;
  return { client_auth: { username_file: secretFile(basic, 'username'), password_file: secretFile(basic, 'password') } };
}

/** The auth extensions the spec needs, by id (the receivers' one, then one per exporter). */
export function authExtensions(spec: TelemetryPipelineSpec): Record<string, AuthExtension> {
  const extensions: Record<string, AuthExtension> = {};
  const receiverAuth = spec.receivers.otlp.auth;
  if (receiverAuth) extensions[receiverAuthenticator(receiverAuth)] = authExtension(receiverAuth);
  for (const exporter of spec.exporters) {
    const auth = clientOf(exporter).auth;
    if (auth) extensions[exporterAuthenticator(exporter.name, auth)] = authExtension(auth);
  }
  return extensions;
}
