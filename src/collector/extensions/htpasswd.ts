// The pure part of the basicauth extension's server side: an htpasswd file's entries and the password schemes
// upstream's htpasswd library accepts (bcrypt, APR1 and MD5-crypt, SHA-256/512-crypt, {SHA}, {SSHA}, and plain
// text for anything else), plus the parse of an incoming `Authorization: Basic` header.
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { verify as verifyShaCrypt } from 'unixcrypt';
import { md5Crypt, md5CryptSalt } from './md5-crypt.ts';

/** User name to password hash; a later line for the same user wins, so inline content overrides the file. */
export type Htpasswd = ReadonlyMap<string, string>;

export function parseHtpasswd(...contents: readonly string[]): Htpasswd {
  const entries = new Map<string, string>();
  for (const content of contents) {
    for (const raw of content.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      entries.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  return entries;
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** Whether `password` matches `hash`, read by its scheme prefix as upstream's parsers are tried in turn. */
export function passwordMatches(hash: string, password: string): boolean {
  if (/^\$2[aby]\$/.test(hash)) return bcrypt.compareSync(password, hash);
  if (hash.startsWith('$apr1$')) return same(Buffer.from(md5Crypt(password, md5CryptSalt(hash), '$apr1$')), Buffer.from(hash));
  if (hash.startsWith('$1$')) return same(Buffer.from(md5Crypt(password, md5CryptSalt(hash), '$1$')), Buffer.from(hash));
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return verifyShaCrypt(password, hash);
  if (hash.startsWith('{SHA}')) return same(sha1(Buffer.from(password)), Buffer.from(hash.slice(5), 'base64'));
  if (hash.startsWith('{SSHA}')) {
    const decoded = Buffer.from(hash.slice(6), 'base64');
    if (decoded.length <= 20) return false;
    return same(sha1(Buffer.from(password), decoded.subarray(20)), decoded.subarray(0, 20));
  }
  return same(Buffer.from(password), Buffer.from(hash));
}

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** The credentials of a `Basic` authorization value (scheme case-insensitive), else upstream's error text. */
export function parseBasicAuthorization(value: string): BasicCredentials | string {
  const prefix = 'basic ';
  if (value.length < prefix.length || value.slice(0, prefix.length).toLowerCase() !== prefix) return 'invalid authorization scheme prefix';
  const encoded = value.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'invalid authorization format';
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'invalid authorization format';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The `Authorization` value a client sends. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
