import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../../platform/src/errors.js';
import { validateRegistration } from './registration.js';

function violations(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DomainError);
    assert.equal(err.code, 'invalid_argument');
    return err.fieldViolations.map((v) => v.field).sort();
  }
  assert.fail('expected a validation error');
}

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
    assert.deepEqual(violations(() => validateRegistration({ email: 'nope', password: 'short', displayName: ' ' })), ['display_name', 'email', 'password']);
  });

  test('rejects passwords over 128 characters and names over 100', () => {
    assert.deepEqual(violations(() => validateRegistration({ email: 'a@b.co', password: 'x'.repeat(129), displayName: 'y'.repeat(101) })), ['display_name', 'password']);
  });

  for (const email of ['a@b', 'a b@c.de', '@c.de', 'a@@c.de', `${'x'.repeat(65)}@c.de`]) {
    test(`rejects the email ${JSON.stringify(email)}`, () => {
      assert.deepEqual(violations(() => validateRegistration({ email, password: 'long-enough-1', displayName: 'A' })), ['email']);
    });
  }
});
