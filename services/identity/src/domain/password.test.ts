import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, verifyPassword } from './password.js';

describe('password hashing', () => {
  test('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterY', hash), false);
  });

  test('salts every hash and never contains the password', async () => {
    const [a, b] = await Promise.all([hashPassword('same-password'), hashPassword('same-password')]);
    assert.notEqual(a, b);
    assert.ok(!a.includes('same-password'));
    assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
  });

  test('treats Unicode compositions of one password as the same password', async () => {
    const hash = await hashPassword('caf\u00e9-password');
    assert.equal(await verifyPassword('cafe\u0301-password', hash), true);
  });

  test('rejects malformed stored hashes instead of throwing', async () => {
    assert.equal(await verifyPassword('x', 'bcrypt$whatever'), false);
    assert.equal(await verifyPassword('x', ''), false);
  });
});
