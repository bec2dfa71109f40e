import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UserStatus, type User } from '../../../../gen/shop/identity/v1/identity_service.js';
import { domainErrorOf, violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { revisionOfEtag, userPatchOf } from './staff.js';

const user = (fields: Partial<User>): User => ({
  id: 'u1', email: '', displayName: '', roles: [], emailVerified: false, createTime: undefined, updateTime: undefined, phone: '', locale: '', marketingConsent: false,
  status: UserStatus.USER_STATUS_UNSPECIFIED, mfaEnabled: false, defaultShippingAddressId: '', defaultBillingAddressId: '', etag: '', customerGroup: '', ...fields,
});

describe('UpdateUser field masks', () => {
  test('applies exactly the named fields, in either spelling', () => {
    assert.deepEqual(userPatchOf(user({ displayName: 'Ann', roles: ['admin'] }), ['displayName']), { displayName: 'Ann' });
    assert.deepEqual(userPatchOf(user({ displayName: 'Ann', roles: ['admin'] }), ['roles', 'display_name']), { roles: ['admin'], displayName: 'Ann' });
  });

  test('a named empty role list is kept, for validation to refuse', () => {
    assert.deepEqual(userPatchOf(user({}), ['roles']), { roles: [] });
  });

  test('without a mask, the fields the client set (AIP-134)', () => {
    assert.deepEqual(userPatchOf(user({ roles: ['support'] }), undefined), { roles: ['support'] });
    assert.deepEqual(userPatchOf(user({ displayName: 'Bo' }), []), { displayName: 'Bo' });
  });

  test('status, email and other fields cannot be changed here; nothing to change is a 400 too', () => {
    for (const path of ['status', 'email', 'emailVerified', 'mfa_enabled', 'id']) assert.deepEqual(violatedFieldsOf(() => userPatchOf(user({}), [path])), ['update_mask'], path);
    assert.deepEqual(violatedFieldsOf(() => userPatchOf(user({}), undefined)), ['update_mask']);
  });
});

describe('etags', () => {
  test('reads strong, weak and bare revisions; empty means no precondition', () => {
    assert.equal(revisionOfEtag('"7"'), 7);
    assert.equal(revisionOfEtag('W/"7"'), 7);
    assert.equal(revisionOfEtag('12'), 12);
    assert.equal(revisionOfEtag(''), null);
  });

  test('a malformed etag is a 400 naming user.etag', () => {
    assert.equal(domainErrorOf(() => revisionOfEtag('"abc"')).reason, 'INVALID_ETAG');
  });
});
