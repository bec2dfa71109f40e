import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Violations } from '../../../platform/src/errors.js';
import { permissionsOf } from '../../../platform/src/permissions.js';
import { domainErrorOf } from '../../../../tools/testing/domain.js';
import { assertMayManage, assertNotSelfLockout, roleChanges, sameRoles, validateRoles } from './roles.js';

describe('role validation', () => {
  test('keeps built-in roles, de-duplicated, in the table order', () => {
    const violations = new Violations();
    assert.deepEqual(validateRoles(['admin', 'support', 'admin', 'customer'], violations), ['customer', 'support', 'admin']);
    assert.equal(violations.empty, true);
  });

  test('names unknown roles and refuses an empty list', () => {
    const unknown = new Violations();
    validateRoles(['support', 'superuser', 'Admin'], unknown);
    const err = domainErrorOf(() => unknown.throwIfAny());
    assert.deepEqual(err.fieldViolations.map((v) => v.field), ['roles']);
    assert.match(err.message, /"superuser", "Admin"/);
    const empty = new Violations();
    validateRoles([], empty, 'user.roles');
    assert.deepEqual(domainErrorOf(() => empty.throwIfAny()).fieldViolations.map((v) => v.field), ['user.roles']);
  });

  test('compares and diffs role lists regardless of order', () => {
    assert.equal(sameRoles(['admin', 'support'], ['support', 'admin']), true);
    assert.equal(sameRoles(['admin'], ['admin', 'support']), false);
    assert.deepEqual(roleChanges(['customer', 'support'], ['support', 'admin']), { added: ['admin'], removed: ['customer'] });
  });
});

describe('who may manage whom', () => {
  const admin = permissionsOf(['admin'], []);
  const userManagerScope = permissionsOf([], ['users.read', 'users.manage']);

  test('an admin may grant and remove any role', () => {
    assert.doesNotThrow(() => assertMayManage(admin, ['admin', 'support'], ['catalog_manager', 'admin']));
  });

  test('a caller cannot hand out a role with permissions it lacks', () => {
    const err = domainErrorOf(() => assertMayManage(userManagerScope, ['customer'], ['admin']));
    assert.equal(err.code, 'permission_denied');
    assert.equal(err.reason, 'ROLE_NOT_GRANTABLE');
    assert.doesNotThrow(() => assertMayManage(userManagerScope, ['customer'], ['customer']));
  });

  test('a caller cannot act on an account more powerful than itself', () => {
    assert.equal(domainErrorOf(() => assertMayManage(userManagerScope, ['order_manager'])).reason, 'ROLE_NOT_GRANTABLE');
  });
});

describe('lockout protection', () => {
  test('refuses to drop one\'s own admin role', () => {
    const err = domainErrorOf(() => assertNotSelfLockout(['admin'], ['support']));
    assert.equal(err.code, 'failed_precondition');
    assert.equal(err.reason, 'SELF_LOCKOUT');
  });

  test('allows changes that keep admin', () => {
    assert.doesNotThrow(() => assertNotSelfLockout(['admin'], ['admin', 'support']));
    assert.doesNotThrow(() => assertNotSelfLockout(['support'], ['customer']));
  });
});
