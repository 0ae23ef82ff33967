// MD5-crypt ($1$, FreeBSD) and Apache's APR1 variant ($apr1$), over the password's UTF-8 bytes as Go and
// OpenSSL hash them (the npm implementations hash only ASCII correctly). Old schemes, still what `htpasswd -m`
// writes by default, so htpasswd files hold them.
import { createHash } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function md5(...parts: Uint8Array[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function base64Crypt(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++, value >>= 6) out += ALPHABET[value & 63];
  return out;
}

/** The full hash string (`$magic$salt$digest`) of `password` with `salt` (at most 8 characters used). */
export function md5Crypt(password: string, salt: string, magic: '$1$' | '$apr1$'): string {
  const pw = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt.slice(0, 8), 'utf8');
  const magicBytes = Buffer.from(magic);
  const alternate = md5(pw, saltBytes, pw);
  const parts: Uint8Array[] = [pw, magicBytes, saltBytes];
  for (let left = pw.length; left > 0; left -= 16) parts.push(alternate.subarray(0, Math.min(16, left)));
  for (let bits = pw.length; bits > 0; bits >>= 1) parts.push(bits & 1 ? Buffer.of(0) : pw.subarray(0, 1));
  let digest = md5(...parts);
  for (let round = 0; round < 1000; round++) {
    const step: Uint8Array[] = [round & 1 ? pw : digest];
    if (round % 3) step.push(saltBytes);
    if (round % 7) step.push(pw);
    step.push(round & 1 ? digest : pw);
    digest = md5(...step);
  }
  const d = digest;
  const encoded =
    base64Crypt((d[0]! << 16) | (d[6]! << 8) | d[12]!, 4) +
    base64Crypt((d[1]! << 16) | (d[7]! << 8) | d[13]!, 4) +
    base64Crypt((d[2]! << 16) | (d[8]! << 8) | d[14]!, 4) +
    base64Crypt((d[3]! << 16) | (d[9]! << 8) | d[15]!, 4) +
    base64Crypt((d[4]! << 16) | (d[10]! << 8) | d[5]!, 4) +
    base64Crypt(d[11]!, 2);
  return `${magic}${salt.slice(0, 8)}$${encoded}`;
}

/** The salt of a `$1$salt$digest` or `$apr1$salt$digest` hash. */
export function md5CryptSalt(hash: string): string {
  return hash.split('$')[2] ?? '';
}
