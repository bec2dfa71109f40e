import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Violations } from '../../../platform/src/errors.js';
import { assertMaySetRoles, checkPassword, validateRegistration } from './registration.js';
import { domainErrorOf, violatedFieldsOf } from '../../../../tools/testing/domain.js';


describe('validateRegistration', () => {
  test('normalises the email to lower case and trims the name', () => {
    const form = validateRegistration({ email: '  Ann@Example.COM ', password: 'long-enough-1', displayName: '  Ann  ' });
    assert.equal(form.email, 'ann@example.com');
    assert.equal(form.displayName, 'Ann');
  });

  test('keeps the password exactly as typed', () => {
    assert.equal(validateRegistration({ email: 'a@b.co', password: '  spaced pass  ', displayName: 'A' }).password, '  spaced pass  ');
  });

  test('names every bad field at once', () => {
    assert.deepEqual(violatedFieldsOf(() => validateRegistration({ email: 'nope', password: 'short', displayName: ' ' })), ['display_name', 'email', 'password']);
  });

  test('rejects passwords over 128 characters and names over 100', () => {
    assert.deepEqual(violatedFieldsOf(() => validateRegistration({ email: 'a@b.co', password: 'x'.repeat(129), displayName: 'y'.repeat(101) })), ['display_name', 'password']);
  });

  for (const email of ['a@b', 'a b@c.de', '@c.de', 'a@@c.de', `${'x'.repeat(65)}@c.de`]) {
    test(`rejects the email ${JSON.stringify(email)}`, () => {
      assert.deepEqual(violatedFieldsOf(() => validateRegistration({ email, password: 'long-enough-1', displayName: 'A' })), ['email']);
    });
  }
});

describe('roles on registration', () => {
  test('anyone may register without roles', () => {
    assert.doesNotThrow(() => assertMaySetRoles([], false));
  });

  test('setting roles without users.manage is 403 naming the roles field', () => {
    const err = domainErrorOf(() => assertMaySetRoles(['admin'], false));
    assert.equal(err.code, 'permission_denied');
    assert.equal(err.reason, 'ROLES_NOT_ALLOWED');
    assert.deepEqual(err.fieldViolations.map((v) => v.field), ['roles']);
  });

  test('staff with users.manage may set them', () => {
    assert.doesNotThrow(() => assertMaySetRoles(['support'], true));
  });
});

describe('checkPassword', () => {
  test('names the field it is given', () => {
    const violations = new Violations();
    checkPassword('new_password', 'short', violations);
    assert.deepEqual(violatedFieldsOf(() => violations.throwIfAny()), ['new_password']);
  });
});
