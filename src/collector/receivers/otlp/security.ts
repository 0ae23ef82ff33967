// What guards one OTLP listener: its TLS material (kept current, tls/server-tls.ts) and the authenticator its
// `auth` block names. Resolved when the receiver starts, after the extensions, with errors naming the setting.
import { serverAuthenticator, type Extensions, type ServerAuthenticator } from '../../auth.ts';
import { ServerTls } from '../../tls/server-tls.ts';
import type { GrpcConfig, HttpConfig } from './config.ts';

export interface Security {
  readonly tls?: ServerTls;
  readonly auth?: ServerAuthenticator;
  readonly requestParams: readonly string[];
}

/** `setting` is the protocol's path, e.g. `receivers.otlp.protocols.grpc`. */
export async function listenerSecurity(config: GrpcConfig | HttpConfig, extensions: Extensions | undefined, setting: string): Promise<Security> {
  const auth = config.auth && serverAuthenticator(extensions, config.auth.authenticator, `${setting}.auth.authenticator`);
  const tls = config.tls && (await ServerTls.load(config.tls, `${setting}.tls`));
  return { ...(tls && { tls }), ...(auth && { auth }), requestParams: config.auth?.request_params ?? [] };
}
