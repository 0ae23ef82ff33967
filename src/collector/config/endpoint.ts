// Listen addresses as upstream writes them: "host:port", "[::1]:port", or ":port" for every interface.
import { z } from 'zod';

export interface Endpoint {
  /** Undefined means every interface (Go's ":4317"). */
  readonly host: string | undefined;
  readonly port: number;
}

export function parseEndpoint(text: string): Endpoint | string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return `"${text}" is not host:port`;
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return `"${text}" has an unclosed "["`;
    host = host.slice(1, -1);
  } else if (host.includes(':')) {
    return `"${text}": IPv6 hosts must be written in brackets, e.g. [::1]:4317`;
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return `"${text}" has an invalid port "${portText}"`;
  return { host: host === '' ? undefined : host, port: Number(portText) };
}

/** A config field holding a listen address; kept as written, checked at load time. */
export function endpointField(fallback: string) {
  return z
    .string()
    .default(fallback)
    .superRefine((value, ctx) => {
      const parsed = parseEndpoint(value);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `invalid endpoint ${parsed}` });
    });
}

/** The endpoint of a validated field (validation guarantees it parses). */
export function endpointOf(text: string): Endpoint {
  const parsed = parseEndpoint(text);
  if (typeof parsed === 'string') throw new Error(`invalid endpoint ${parsed}`);
  return parsed;
}

/** `host:port` for logs and clients. */
export function formatEndpoint(endpoint: Endpoint): string {
  const host = endpoint.host ?? '0.0.0.0';
  return host.includes(':') ? `[${host}]:${endpoint.port}` : `${host}:${endpoint.port}`;
}
