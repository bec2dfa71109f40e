import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateRegistration } from './registration.js';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';


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
