import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';

describe('MFA recovery codes', () => {
  test('ten distinct, typable codes', () => {
    const codes = newRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$/);
  });

  test('normalises what people type and refuses what cannot be a code', () => {
    assert.equal(normalizeRecoveryCode(' AB2C-D3EF '), 'ab2cd3ef');
    assert.equal(normalizeRecoveryCode('ab2c d3ef'), 'ab2cd3ef');
    assert.equal(normalizeRecoveryCode('ab2c-d3e'), null);
    assert.equal(normalizeRecoveryCode('ab0c-d3ef'), null); // 0 is not in the alphabet
    assert.equal(normalizeRecoveryCode('123456'), null);
  });

  test('hashes are per account and never contain the code', () => {
    const a = hashRecoveryCode('user-a', 'ab2cd3ef');
    assert.equal(a, hashRecoveryCode('user-a', 'ab2cd3ef'));
    assert.notEqual(a, hashRecoveryCode('user-b', 'ab2cd3ef'));
    assert.ok(!a.includes('ab2cd3ef'));
  });
});
