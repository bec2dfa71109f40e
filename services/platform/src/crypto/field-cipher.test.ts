import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { ConfigError } from '../config.js';
import { FieldCipher, FieldCipherError, fieldAad, fieldCipherFromSettings, generateFieldKey, isEncryptedField, parseFieldKeys } from './field-cipher.js';

const k1 = generateFieldKey('k1');
const k2 = generateFieldKey('k2');
const cipherWith = (keys: string, active: string) => fieldCipherFromSettings({ env: 'production', fieldKeys: keys, fieldKeyId: active });
const aad = fieldAad('users', 'u-1', 'phone');

/** Flips one bit of one base64url part of a value. */
function flipBit(value: string, part: number, byte = 0): string {
  const parts = value.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[byte]! ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('FieldCipher', () => {
  const cipher = cipherWith(k1, 'k1');

  test('round-trips text, including non-ASCII and empty strings', () => {
    for (const text of ['+49 30 1234567', 'Straße 5, 10115 Berlin', '東京都千代田区', '']) {
      assert.equal(cipher.decrypt(cipher.encrypt(text, aad), aad), text);
    }
    assert.equal(cipher.decrypt(cipher.encrypt('no aad')), 'no aad');
  });

  test('a value is a compact v1.<kid>.<iv>.<data> string without the plaintext', () => {
    const value = cipher.encrypt('+49 30 1234567', aad);
    assert.match(value, /^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.ok(!value.includes('1234567'));
    assert.equal(cipher.keyIdOf(value), 'k1');
    assert.equal(isEncryptedField(value), true);
    assert.equal(isEncryptedField('+49 30 1234567'), false);
  });

  test('two encryptions of the same text differ (a random IV per value)', () => {
    const a = cipher.encrypt('same', aad);
    const b = cipher.encrypt('same', aad);
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[2], b.split('.')[2], 'different IVs');
  });

  test('detects a flipped bit in the ciphertext, the tag or the IV', () => {
    const value = cipher.encrypt('+49 30 1234567', aad);
    const dataLength = Buffer.from(value.split('.')[3]!, 'base64url').length;
    for (const tampered of [flipBit(value, 3, 0), flipBit(value, 3, dataLength - 1), flipBit(value, 2, 5)]) {
      assert.throws(() => cipher.decrypt(tampered, aad), FieldCipherError);
    }
  });

  test('a value bound to one record and field does not decrypt in another (wrong AAD)', () => {
    const value = cipher.encrypt('+49 30 1234567', aad);
    assert.throws(() => cipher.decrypt(value, fieldAad('users', 'u-2', 'phone')), FieldCipherError);
    assert.throws(() => cipher.decrypt(value, fieldAad('users', 'u-1', 'line1')), FieldCipherError);
    assert.throws(() => cipher.decrypt(value), FieldCipherError);
    // Parts cannot be re-split to forge the same AAD.
    assert.notEqual(fieldAad('a.b', 'c'), fieldAad('a', 'b.c'));
  });

  test('a swapped key id does not decrypt, even when the other id holds the same key bytes', () => {
    const both = cipherWith(`${k1},${k2}`, 'k1');
    const value = both.encrypt('secret', aad);
    assert.throws(() => both.decrypt(value.replace('v1.k1.', 'v1.k2.'), aad), FieldCipherError);
    const sameBytes = cipherWith(`${k1},k9:${k1.split(':')[1]}`, 'k1');
    assert.throws(() => sameBytes.decrypt(sameBytes.encrypt('secret', aad).replace('v1.k1.', 'v1.k9.'), aad), FieldCipherError);
    assert.throws(() => both.decrypt(value.replace('v1.k1.', 'v1.nokey.'), aad), /no field key with id "nokey"/);
  });

  test('after rotation, old values still decrypt and new ones use the new key', () => {
    const before = cipherWith(k1, 'k1');
    const old = before.encrypt('+49 30 1234567', aad);
    const after = cipherWith(`${k1},${k2}`, 'k2');
    assert.equal(after.decrypt(old, aad), '+49 30 1234567');
    const fresh = after.encrypt('+44 20 7946 0000', aad);
    assert.equal(after.keyIdOf(fresh), 'k2');
    assert.equal(after.needsReencryption(old), true);
    const moved = after.reencrypt(old, aad);
    assert.equal(after.keyIdOf(moved), 'k2');
    assert.equal(after.decrypt(moved, aad), '+49 30 1234567');
    assert.equal(after.reencrypt(moved, aad), moved, 'already on the active key');
    // Dropping the old key too early is loud, not silent.
    assert.throws(() => cipherWith(k2, 'k2').decrypt(old, aad), /no field key with id "k1"/);
  });

  test('rejects values that are not encrypted fields', () => {
    for (const junk of ['', 'plain text', 'v2.k1.AAAA.BBBB', 'v1.k1.short.BBBB', 'v1.k1', 'v1.bad kid.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA']) {
      assert.throws(() => cipher.decrypt(junk), FieldCipherError, junk);
    }
  });

  test('never shows key material in JSON, inspect or errors', () => {
    const material = k1.split(':')[1]!;
    assert.equal(JSON.stringify({ cipher }), '{"cipher":{"activeKeyId":"k1","keyIds":["k1"]}}');
    assert.ok(!inspect(cipher, { showHidden: true, depth: 5 }).includes(material));
    assert.equal(inspect(cipher), 'FieldCipher { activeKeyId: "k1", keyIds: ["k1"] }');
    try {
      parseFieldKeys(`k1:${material.slice(0, 20)}`);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.ok(!err.message.includes(material.slice(0, 20)), err.message);
    }
  });
});

describe('field keys from settings', () => {
  test('production refuses to start without keys', () => {
    assert.throws(() => fieldCipherFromSettings({ env: 'production' }), (e: unknown) => e instanceof ConfigError && /required in production/.test(e.message));
  });

  test('development without keys starts, but refuses to encrypt or decrypt', () => {
    const cipher = fieldCipherFromSettings({ env: 'development' });
    assert.equal(cipher.activeKeyId, null);
    assert.throws(() => cipher.encrypt('x'), /not configured: set SHOP_FIELD_KEYS/);
    assert.throws(() => cipher.decrypt(cipherWith(k1, 'k1').encrypt('x')), /not configured/);
  });

  test('malformed keys fail at start in every environment', () => {
    const short = `k1:${randomBytes(16).toString('base64')}`;
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ fieldKeys: short, fieldKeyId: 'k1' }, /must be 32 bytes/],
      [{ fieldKeys: 'k1', fieldKeyId: 'k1' }, /entry 1 must be <kid>:<base64 key>/],
      [{ fieldKeys: `k1:not*base64*at*all*not*base64*at*all*xx`, fieldKeyId: 'k1' }, /must be 32 bytes/],
      [{ fieldKeys: `${k1},${k1}`, fieldKeyId: 'k1' }, /appears twice/],
      [{ fieldKeys: `bad kid:${k1.split(':')[1]}`, fieldKeyId: 'k1' }, /entry 1/],
      [{ fieldKeys: k1, fieldKeyId: 'k2' }, /SHOP_FIELD_KEY_ID: no key with id "k2"/],
      [{ fieldKeys: k1 }, /SHOP_FIELD_KEY_ID: required/],
      [{ fieldKeyId: 'k1' }, /SHOP_FIELD_KEYS: required/],
      [{ fieldKeys: ' , ', fieldKeyId: 'k1' }, /no keys given/],
    ];
    for (const env of ['development', 'production']) {
      for (const [settings, message] of cases) {
        assert.throws(() => fieldCipherFromSettings({ env, ...settings }), (e: unknown) => e instanceof ConfigError && message.test(e.message), `${env} ${JSON.stringify(settings).slice(0, 60)}`);
      }
    }
  });

  test('accepts standard and URL-safe base64 keys', () => {
    const bytes = randomBytes(32);
    const a = cipherWith(`std:${bytes.toString('base64')}`, 'std');
    const b = cipherWith(`url:${bytes.toString('base64url')}`, 'url');
    // Same bytes under two ids: each decrypts only its own values (the kid is authenticated).
    assert.equal(a.decrypt(a.encrypt('x', aad), aad), 'x');
    assert.equal(b.decrypt(b.encrypt('x', aad), aad), 'x');
  });

  test('a constructed cipher checks its own ring', () => {
    assert.throws(() => new FieldCipher(new Map(), 'k1'), ConfigError);
  });
});
