// Authentication between components, as upstream's configauth: a receiver's or exporter's `auth.authenticator`
// names an extension (listed in service.extensions) that checks incoming requests or adds credentials to outgoing
// ones. Extensions start before every other component, so a resolved authenticator is ready when used.
import { z } from 'zod';
import type { Lifecycle } from './component.ts';

/** Request headers (HTTP/1 and HTTP/2 alike, names lower-case) and, for `request_params`, query parameters. */
export type AuthSources = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ServerAuthenticator {
  /** Undefined when the request may pass, else why not (sent to the client as upstream does). */
  authenticate(sources: AuthSources): string | undefined;
}

export interface ClientAuthenticator {
  /** The header to send on every request, read anew per request so a refreshed credential is used. */
  credential(): { readonly name: string; readonly value: string };
}

export const serverAuthSchema = z.strictObject({
  authenticator: z.string().min(1, 'requires the id of an authenticator extension'),
  /** Query parameters also handed to the authenticator, as upstream's confighttp. */
  request_params: z.array(z.string()).default([]),
});

export const clientAuthSchema = z.strictObject({
  authenticator: z.string().min(1, 'requires the id of an authenticator extension'),
});

export type ServerAuthConfig = z.output<typeof serverAuthSchema>;
export type ClientAuthConfig = z.output<typeof clientAuthSchema>;

/** The started extensions by id; what components resolve their authenticator from. */
export type Extensions = ReadonlyMap<string, Lifecycle>;

function resolve<T>(extensions: Extensions | undefined, id: string, setting: string, method: keyof T, role: string): T {
  const extension = extensions?.get(id);
  if (!extension) throw new Error(`${setting}: extension "${id}" is not configured and listed in service.extensions`);
  if (typeof (extension as Record<string, unknown>)[method as string] !== 'function') {
    throw new Error(`${setting}: extension "${id}" is not a ${role} authenticator`);
  }
  return extension as T;
}

export function serverAuthenticator(extensions: Extensions | undefined, id: string, setting: string): ServerAuthenticator {
  return resolve<ServerAuthenticator>(extensions, id, setting, 'authenticate', 'server');
}

export function clientAuthenticator(extensions: Extensions | undefined, id: string, setting: string): ClientAuthenticator {
  return resolve<ClientAuthenticator>(extensions, id, setting, 'credential', 'client');
}

/** The sources an authenticator sees: the headers plus the query parameters named in `request_params`. */
export function authSources(headers: AuthSources, url: string, params: readonly string[]): AuthSources {
  if (params.length === 0) return headers;
  const query = new URL(url, 'http://localhost').searchParams;
  const sources: Record<string, string | readonly string[] | undefined> = { ...headers };
  for (const param of params) {
    const values = query.getAll(param);
    if (values.length > 0) sources[param] = values;
  }
  return sources;
}
