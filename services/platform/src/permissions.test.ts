import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PERMISSIONS, ROLES, ROLE_PERMISSIONS, isPermission, isRole, permissionsOf } from './permissions.js';

describe('permissions and roles', () => {
  test('admin holds every permission, a customer none', () => {
    assert.deepEqual([...permissionsOf(['admin'], [])].sort(), [...PERMISSIONS].sort());
    assert.equal(permissionsOf(['customer'], []).size, 0);
  });

  test('support reads accounts and orders but cannot manage users, money or keys', () => {
    const support = permissionsOf(['support'], []);
    for (const p of ['users.read', 'orders.read'] as const) assert.ok(support.has(p), p);
    for (const p of ['users.manage', 'payments.manage', 'keys.rotate', 'audit.read', 'catalog.products.write'] as const) assert.ok(!support.has(p), p);
  });

  test('only admin manages users, reads the audit trail and rotates keys', () => {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      for (const p of ['users.manage', 'audit.read', 'keys.rotate'] as const) assert.ok(!ROLE_PERMISSIONS[role].includes(p), `${role} must not have ${p}`);
    }
  });

  test('every role names only known permissions, without duplicates', () => {
    for (const role of ROLES) {
      const list = ROLE_PERMISSIONS[role];
      assert.ok(list.every(isPermission), role);
      assert.equal(new Set(list).size, list.length, `${role} lists a permission twice`);
    }
  });

  test('roles combine, and scopes that are permissions add to them', () => {
    const granted = permissionsOf(['support', 'catalog_manager'], ['fulfilment.manage']);
    for (const p of ['users.read', 'catalog.products.write', 'fulfilment.manage'] as const) assert.ok(granted.has(p), p);
    assert.ok(!granted.has('users.manage'));
  });

  test('unknown roles and non-permission scopes grant nothing', () => {
    assert.equal(permissionsOf(['superuser', 'ADMIN', ''], ['openid', 'profile', 'catalog.*', 'admin']).size, 0);
    assert.equal(isRole('superuser'), false);
    assert.equal(isPermission('catalog.*'), false);
  });

  test('permission names follow <domain>.<resource>.<verb> in lower case', () => {
    for (const p of PERMISSIONS) assert.match(p, /^[a-z]+(\.[a-z_]+){1,2}$/);
    assert.equal(new Set(PERMISSIONS).size, PERMISSIONS.length);
  });
});
