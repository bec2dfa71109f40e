import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError } from '../config.js';

/**
 * Encryption of personal fields at rest (phone numbers, address lines): AES-256-GCM
 * under a key ring, so keys can rotate without re-encrypting everything at once.
 *
 * A value is one compact, ASCII-safe string: `v1.<kid>.<iv>.<ciphertext+tag>`
 * (base64url parts). The key id travels with the value, so after a rotation the old
 * key still decrypts what it encrypted while new values use the new key. The IV is
 * 12 random bytes per value (GCM's standard size; random IVs are safe far beyond
 * the number of values one key will ever protect here). The version and key id are
 * authenticated too, and callers bind each value to where it lives with `aad`
 * (`fieldAad('users', id, 'phone')`), so a value copied into another record or field
 * fails to decrypt instead of leaking one customer's data into another's account.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A value failed to decrypt: tampered, bound to other AAD, or under a key we do not have. */
export class FieldCipherError extends Error {
  override readonly name = 'FieldCipherError';
}

/**
 * Additional authenticated data naming where a value lives, e.g.
 * `fieldAad('users', userId, 'phone')`. JSON keeps the parts unambiguous
 * (`('a.b', 'c')` and `('a', 'b.c')` differ).
 */
export function fieldAad(...parts: string[]): string {
  return JSON.stringify(parts);
}

export class FieldCipher {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #activeKeyId: string | null;

  /**
   * `keys` by key id; `activeKeyId` encrypts new values and must be in the ring.
   * An empty ring (development without keys) makes every use throw, naming the
   * settings to set, rather than silently storing plaintext.
   */
  constructor(keys: ReadonlyMap<string, KeyObject>, activeKeyId: string | null) {
    if (activeKeyId !== null && !keys.has(activeKeyId)) throw new ConfigError(`SHOP_FIELD_KEY_ID: no key with id "${activeKeyId}" in SHOP_FIELD_KEYS`);
    for (const [kid, key] of keys) {
      if (!KEY_ID.test(kid)) throw new ConfigError(`SHOP_FIELD_KEYS: key id "${kid}" must be 1 to 32 letters, digits, _ or -`);
      if (key.symmetricKeySize !== KEY_BYTES) throw new ConfigError(`SHOP_FIELD_KEYS: key "${kid}" must be ${KEY_BYTES} bytes`);
    }
    this.#keys = keys;
    this.#activeKeyId = activeKeyId;
  }

  /** The key id new values are encrypted with; null when no keys are configured. */
  get activeKeyId(): string | null {
    return this.#activeKeyId;
  }

  /** Key ids in the ring (never the keys). */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  encrypt(plaintext: string, aad = ''): string {
    const kid = this.#activeKeyId;
    if (kid === null) throw notConfigured();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(kid)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(authenticatedData(kid, aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${kid}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(value: string, aad = ''): string {
    const { kid, iv, body } = parse(value);
    if (this.#keys.size === 0) throw notConfigured();
    const key = this.#keys.get(kid);
    if (!key) throw new FieldCipherError(`no field key with id "${kid}" (was it removed from SHOP_FIELD_KEYS too early?)`);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(authenticatedData(kid, aad));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new FieldCipherError('field value failed authentication (tampered, or bound to another record or field)');
    }
  }

  /** The key id a value was encrypted with. */
  keyIdOf(value: string): string {
    return parse(value).kid;
  }

  /** True for a value encrypted under a key other than the active one (a rotation job re-encrypts these). */
  needsReencryption(value: string): boolean {
    return this.keyIdOf(value) !== this.#activeKeyId;
  }

  /** Re-encrypts a value under the active key; unchanged if it already is. */
  reencrypt(value: string, aad = ''): string {
    return this.needsReencryption(value) ? this.encrypt(this.decrypt(value, aad), aad) : value;
  }

  /** Key material never reaches a log line, a JSON dump or a REPL. */
  toJSON(): object {
    return { activeKeyId: this.#activeKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `FieldCipher { activeKeyId: ${JSON.stringify(this.#activeKeyId)}, keyIds: ${JSON.stringify(this.keyIds)} }`;
  }
}

/** True when a value has the shape of an encrypted field (migrations tell old plaintext apart). */
export function isEncryptedField(value: string): boolean {
  return /^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/.test(value);
}

// The version and key id are authenticated with the caller's AAD: a value whose header
// was edited (say, to point at another key holding the same bytes) does not decrypt.
function authenticatedData(kid: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}\n${aad}`, 'utf8');
}

function parse(value: string): { kid: string; iv: Buffer; body: Buffer } {
  const parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new FieldCipherError('not an encrypted field value (expected v1.<kid>.<iv>.<data>)');
  const [, kid, ivPart, bodyPart] = parts as [string, string, string, string];
  const iv = Buffer.from(ivPart, 'base64url');
  const body = Buffer.from(bodyPart, 'base64url');
  if (!KEY_ID.test(kid) || iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new FieldCipherError('malformed encrypted field value');
  return { kid, iv, body };
}

function notConfigured(): FieldCipherError {
  return new FieldCipherError('field encryption keys are not configured: set SHOP_FIELD_KEYS and SHOP_FIELD_KEY_ID');
}

/**
 * Parses `SHOP_FIELD_KEYS` (`<kid>:<base64 32-byte key>,...`) into a ring. Errors
 * name the entry by position or key id, never by value: a config error message ends
 * up in logs.
 */
export function parseFieldKeys(spec: string): Map<string, KeyObject> {
  const ring = new Map<string, KeyObject>();
  const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConfigError('SHOP_FIELD_KEYS: no keys given');
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const kid = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(kid)) throw new ConfigError(`SHOP_FIELD_KEYS: entry ${index + 1} must be <kid>:<base64 key> with a kid of 1 to 32 letters, digits, _ or -`);
    if (ring.has(kid)) throw new ConfigError(`SHOP_FIELD_KEYS: key id "${kid}" appears twice`);
    const encoded = entry.slice(colon + 1);
    // Node's base64 decoder takes both alphabets but skips junk, hence the shape check first.
    const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (bytes.length !== KEY_BYTES) throw new ConfigError(`SHOP_FIELD_KEYS: key "${kid}" must be ${KEY_BYTES} bytes in base64`);
    ring.set(kid, createSecretKey(bytes));
    bytes.fill(0);
  });
  return ring;
}

/**
 * The cipher a process uses, from its settings. In production both settings are
 * required and checked at start (a service that stores personal data must not come
 * up unable to read or write it). Elsewhere they may be absent; the cipher then
 * refuses to work when used, and `npm start` / `npm test` always provide a key.
 */
export function fieldCipherFromSettings(settings: { env: string; fieldKeys?: string | undefined; fieldKeyId?: string | undefined }): FieldCipher {
  const { env, fieldKeys, fieldKeyId } = settings;
  if (!fieldKeys && !fieldKeyId) {
    if (env === 'production') throw new ConfigError('SHOP_FIELD_KEYS and SHOP_FIELD_KEY_ID are required in production (personal fields are encrypted at rest)');
    return new FieldCipher(new Map(), null);
  }
  if (!fieldKeys) throw new ConfigError('SHOP_FIELD_KEYS: required when SHOP_FIELD_KEY_ID is set');
  if (!fieldKeyId) throw new ConfigError('SHOP_FIELD_KEY_ID: required when SHOP_FIELD_KEYS is set (the id of the key that encrypts new values)');
  return new FieldCipher(parseFieldKeys(fieldKeys), fieldKeyId);
}

/** A fresh random key as a SHOP_FIELD_KEYS entry, for the local launcher and the test runner. */
export function generateFieldKey(kid: string): string {
  if (!KEY_ID.test(kid)) throw new TypeError(`bad key id ${JSON.stringify(kid)}`);
  return `${kid}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
