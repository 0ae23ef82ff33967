// CORS for browser clients of the OTLP/HTTP receiver (`cors.allowed_origins` with "*" wildcards,
// `cors.allowed_headers`, `cors.max_age`), answering preflights and tagging actual responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpConfig } from './config.ts';

type CorsConfig = NonNullable<HttpConfig['cors']>;

// Headers a browser OTLP exporter sends besides the CORS-safelisted ones.
const ALWAYS_ALLOWED = ['content-type', 'content-encoding', 'accept', 'accept-language', 'content-language', 'origin', 'x-requested-with'];

export class Cors {
  readonly #origins: RegExp[];
  readonly #anyHeader: boolean;
  readonly #headers: Set<string>;
  readonly #maxAge: number;

  constructor(config: CorsConfig) {
    this.#origins = config.allowed_origins.map((pattern) => new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`, 'i'));
    this.#anyHeader = config.allowed_headers.includes('*');
    this.#headers = new Set([...ALWAYS_ALLOWED, ...config.allowed_headers.map((header) => header.toLowerCase())]);
    this.#maxAge = config.max_age;
  }

  /** Adds CORS headers; returns true when the request was a preflight and has been answered. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || !this.#origins.some((pattern) => pattern.test(origin))) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    const requestedMethod = req.headers['access-control-request-method'];
    if (req.method !== 'OPTIONS' || requestedMethod === undefined) return false;
    const requested = (req.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    if (requestedMethod !== 'POST' || (!this.#anyHeader && requested.some((header) => !this.#headers.has(header)))) {
      res.writeHead(204).end();
      return true;
    }
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    if (requested.length > 0) res.setHeader('Access-Control-Allow-Headers', requested.join(', '));
    if (this.#maxAge > 0) res.setHeader('Access-Control-Max-Age', String(this.#maxAge));
    res.writeHead(204).end();
    return true;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
