import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps implement them:
 * HMAC-SHA1, 30-second steps, 6 digits, base32 secrets. Pure apart from the random
 * secret; the caller passes the time, so tests run against the RFC's vectors.
 */

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now: tolerates clock drift and a code typed as it rolls over. */
export const TOTP_WINDOW = 1;
/** 160 bits, the HMAC-SHA1 block RFC 4226 section 4 recommends. */
export const TOTP_SECRET_BYTES = 20;
export const TOTP_ISSUER = 'shopmesh';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, the form otpauth:// URIs carry. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 leniently as people type it: any case, spaces, hyphens and padding ignored. */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new TypeError('not a base32 string');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/** A new random shared secret, base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

/** The RFC 6238 time step (T) of an instant given in milliseconds since the epoch. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** HOTP (RFC 4226): HMAC-SHA1 of the 8-byte big-endian counter, dynamically truncated. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/** The code of a base32 secret for a time step. */
export function totpCode(secret: string, step: number, digits = TOTP_DIGITS): string {
  return hotp(base32Decode(secret), step, digits);
}

/** Whether a string has the shape of a TOTP code (6 digits, spaces allowed as apps show them). */
export function looksLikeTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ''));
}

/**
 * The time step whose code matches, searching now ± TOTP_WINDOW, newest first, and
 * only steps after `afterStep`: RFC 6238 section 5.2 says a code accepted once must
 * not be accepted again, so the caller stores the step and passes it back here.
 * Null when nothing matches.
 */
export function matchTotp(secret: string, code: string, nowMs: number, afterStep = -Infinity): number | null {
  const given = Buffer.from(code.replace(/\s/g, ''));
  if (!/^\d{6}$/.test(given.toString())) return null;
  const key = base32Decode(secret);
  const now = totpStep(nowMs);
  let matched: number | null = null;
  // Every candidate is compared (no early exit), in constant time, so timing says
  // nothing about which step or digits were close.
  for (let step = now + TOTP_WINDOW; step >= now - TOTP_WINDOW; step--) {
    const equal = timingSafeEqual(Buffer.from(hotp(key, step)), given);
    if (equal && step > afterStep && matched === null) matched = step;
  }
  return matched;
}

/**
 * The otpauth:// URI authenticator apps read from a QR code (Key Uri Format of
 * Google Authenticator): label "issuer:account", issuer repeated as a parameter,
 * and the algorithm, digits and period spelled out for apps that do not assume them.
 */
export function otpauthUri(secret: string, accountName: string, issuer = TOTP_ISSUER): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const params = new URLSearchParams({ secret, issuer, algorithm: 'SHA1', digits: String(TOTP_DIGITS), period: String(TOTP_STEP_SECONDS) });
  return `otpauth://totp/${label}?${params.toString()}`;
}
