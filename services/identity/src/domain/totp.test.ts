import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { base32Decode, base32Encode, hotp, matchTotp, newTotpSecret, otpauthUri, totpCode, totpStep } from './totp.js';

// RFC 6238 appendix B, SHA1 rows: the ASCII secret "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890'));
const RFC_VECTORS: Array<[seconds: number, eightDigits: string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  test('matches the RFC 6238 SHA1 test vectors with 8 digits', () => {
    for (const [seconds, expected] of RFC_VECTORS) assert.equal(totpCode(RFC_SECRET, totpStep(seconds * 1000), 8), expected, `T=${seconds}`);
  });

  test('6-digit codes are the last six digits of the RFC vectors', () => {
    for (const [seconds, expected] of RFC_VECTORS) assert.equal(totpCode(RFC_SECRET, totpStep(seconds * 1000)), expected.slice(2), `T=${seconds}`);
  });

  test('matches the RFC 4226 HOTP vectors for the first counters', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314'];
    expected.forEach((code, counter) => assert.equal(hotp(Buffer.from('12345678901234567890'), counter), code));
  });

  test('base32 round-trips and decodes what people type', () => {
    assert.equal(base32Encode(Buffer.from('12345678901234567890')), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(base32Encode(Buffer.from('f')), 'MY');
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
    assert.equal(base32Decode('mzxw 6ytb-oi==').toString(), 'foobar');
    assert.throws(() => base32Decode('MZXW1'), /base32/);
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(secret).length, 20);
    assert.notEqual(newTotpSecret(), secret);
  });

  test('accepts the current step and one step either side, not two', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + offset), now), step + offset);
    for (const offset of [-2, 2]) assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + offset), now), null);
  });

  test('refuses a code of a step already used (replay) but accepts a later one', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step), now, step), null);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 1), now, step - 1), null);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + 1), now, step), step + 1);
  });

  test('refuses malformed codes and the wrong secret', () => {
    const now = Date.now();
    const code = totpCode(RFC_SECRET, totpStep(now));
    assert.equal(matchTotp(RFC_SECRET, `${code}0`, now), null);
    assert.equal(matchTotp(RFC_SECRET, 'abcdef', now), null);
    assert.equal(matchTotp(RFC_SECRET, '', now), null);
    assert.equal(matchTotp(RFC_SECRET, `${code.slice(0, 3)} ${code.slice(3)}`, now), totpStep(now));
    const other = base32Encode(Buffer.from('another secret of 20'));
    const fixed = 1_700_000_000_000;
    assert.equal(matchTotp(other, totpCode(RFC_SECRET, totpStep(fixed)), fixed), null);
  });

  test('builds an otpauth URI authenticator apps read', () => {
    const uri = new URL(otpauthUri('JBSWY3DPEHPK3PXP', 'ann+staff@example.com'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/shopmesh:ann+staff@example.com');
    assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(uri.searchParams.get('issuer'), 'shopmesh');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  });
});
