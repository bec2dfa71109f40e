import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { UserUpdated } from '../../../gen/shop/identity/v1/events.js';
import { admin, api, errorReason, login, newCustomer, uniqueEmail, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';
import { auditEventsFor } from './audit-events.js';

/** Staff user management through the edge: the seeded admin runs the shop's accounts. */

const PASSWORD = 'staff-password-1';

interface Member {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

/** A member of staff with `roles`, created by the seeded admin, signed in. */
async function staffMember(roles: string[], email = uniqueEmail('staff')): Promise<Member> {
  const created = await api('POST', '/v1/users', { token: await admin(), json: { email, password: PASSWORD, displayName: 'Staff Member', roles } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.deepEqual([...created.body.roles].sort(), [...roles].sort());
  const tokens = await login(email, PASSWORD);
  return { id: created.body.id, email, token: tokens.access_token, refreshToken: tokens.refresh_token };
}

const refresh = (refreshToken: string) => api('POST', '/v1/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: refreshToken } });
const patchUser = (token: string, id: string, mask: string, user: Record<string, unknown>) =>
  api('PATCH', `/v1/users/${id}?updateMask=${mask}`, { token, json: user });

describe('staff accounts', () => {
  test('the admin creates a staff user with roles, who signs in with them', async () => {
    const member = await staffMember(['support']);
    const me = await api('GET', '/v1/users/me', { token: member.token });
    assert.deepEqual(me.body.roles, ['support']);
    const byId = await api('GET', `/v1/users/${member.id}`, { token: await admin() });
    assert.equal(byId.status, 200);
    assert.equal(byId.body.email, member.email);
    assert.equal(byId.body.status, 'USER_STATUS_ACTIVE');
    assert.match(byId.body.etag, /^"\d+"$/);
  });

  test('a support user reads accounts but cannot change them', async () => {
    const support = await staffMember(['support']);
    const customer = await newCustomer();
    assert.equal((await api('GET', '/v1/users?pageSize=1', { token: support.token })).status, 200);
    assert.equal((await api('GET', `/v1/users/${customer.id}`, { token: support.token })).status, 200);
    const escalate = await patchUser(support.token, support.id, 'roles', { roles: ['admin'] });
    assert.equal(escalate.status, 403);
    assert.equal(errorReason(escalate.body), 'PERMISSION_REQUIRED');
    assert.equal((await api('POST', `/v1/users/${customer.id}:disable`, { token: support.token, json: {} })).status, 403);
  });

  test('a catalog manager creates products but cannot list users', async () => {
    const manager = await staffMember(['catalog_manager']);
    const product = await api('POST', '/v1/products', {
      token: manager.token,
      json: { name: 'Staff-made mug', sku: uniqueSku('MUG'), price: { currencyCode: 'EUR', amountMinor: 900 }, status: 'PRODUCT_STATUS_ACTIVE' },
    });
    assert.equal(product.status, 200, JSON.stringify(product.body));
    assert.equal((await api('GET', '/v1/users', { token: manager.token })).status, 403);
  });
});

describe('listing and finding accounts', () => {
  test('pages newest first with opaque tokens, filtered by a case-insensitive email prefix', async () => {
    const prefix = `page-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api('POST', '/v1/users', { json: { email: `${prefix}-${i}@example.com`, password: PASSWORD, displayName: `Pager ${i}` } });
      assert.equal(res.status, 200);
      ids.push(res.body.id);
    }
    const token = await admin();
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const res = await api('GET', `/v1/users?pageSize=2&emailPrefix=${prefix.toUpperCase()}${pageToken ? `&pageToken=${pageToken}` : ''}`, { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.users.length <= 2);
      seen.push(...res.body.users.map((u: { id: string }) => u.id));
      pageToken = res.body.nextPageToken ?? '';
      pages++;
    } while (pageToken && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test('never shows password hashes, MFA secrets or recovery codes', async () => {
    const prefix = `plain-${randomUUID().slice(0, 8)}`;
    await api('POST', '/v1/users', { json: { email: `${prefix}@example.com`, password: PASSWORD, displayName: 'Plain' } });
    const res = await api('GET', `/v1/users?emailPrefix=${prefix}`, { token: await admin() });
    assert.equal(res.body.users.length, 1);
    const shown = new Set(Object.keys(res.body.users[0]));
    for (const hidden of ['passwordHash', 'password', 'mfa', 'secret', 'recoveryCodes', 'recoveryCodeHashes', 'outbox', 'failedLogins']) assert.ok(!shown.has(hidden), hidden);
    assert.ok(!JSON.stringify(res.body).includes('scrypt$'));
  });

  test('filters by role and status', async () => {
    const prefix = `filter-${randomUUID().slice(0, 8)}`;
    const support = await staffMember(['support'], `${prefix}-support@example.com`);
    const manager = await staffMember(['order_manager'], `${prefix}-orders@example.com`);
    const token = await admin();
    const bySupport = await api('GET', `/v1/users?emailPrefix=${prefix}&role=support`, { token });
    assert.deepEqual(bySupport.body.users.map((u: { id: string }) => u.id), [support.id]);
    assert.equal((await api('POST', `/v1/users/${manager.id}:disable`, { token, json: { reason: 'left the company' } })).status, 200);
    const disabled = await api('GET', `/v1/users?emailPrefix=${prefix}&status=USER_STATUS_DISABLED`, { token });
    assert.deepEqual(disabled.body.users.map((u: { id: string }) => u.id), [manager.id]);
    const active = await api('GET', `/v1/users?emailPrefix=${prefix}&status=USER_STATUS_ACTIVE`, { token });
    assert.deepEqual(active.body.users.map((u: { id: string }) => u.id), [support.id]);
  });

  test('an email prefix is text, not a regular expression', async () => {
    const res = await api('GET', `/v1/users?emailPrefix=${encodeURIComponent('.*')}`, { token: await admin() });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.users ?? [], []);
  });

  test('bad filters and page tokens are 400 naming the field', async () => {
    const token = await admin();
    const role = await api('GET', '/v1/users?role=superuser', { token });
    assert.equal(role.status, 400);
    assert.deepEqual(violatedFields(role.body), ['role']);
    assert.deepEqual(violatedFields((await api('GET', '/v1/users?pageSize=-1', { token })).body), ['page_size']);
    const first = await api('GET', '/v1/users?pageSize=1', { token });
    const otherFilter = await api('GET', `/v1/users?pageSize=1&role=admin&pageToken=${first.body.nextPageToken}`, { token });
    assert.equal(otherFilter.status, 400);
    assert.equal(errorReason(otherFilter.body), 'INVALID_PAGE_TOKEN');
  });

  test('an unknown id is 404', async () => {
    const res = await api('GET', `/v1/users/${randomUUID()}`, { token: await admin() });
    assert.equal(res.status, 404);
    assert.equal(errorReason(res.body), 'USER_NOT_FOUND');
  });
});

describe('changing roles', () => {
  test('the admin grants a role: the change, its event and its audit trail', async () => {
    const customer = await newCustomer();
    const token = await admin();
    const res = await patchUser(token, customer.id, 'roles', { roles: ['customer', 'order_manager'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.roles, ['customer', 'order_manager']);
    // The customer's next token carries the role: order managers read accounts.
    const tokens = await login(customer.email, customer.password);
    assert.equal((await api('GET', `/v1/users/${customer.id}`, { token: tokens.access_token })).status, 200);

    const events = await eventsMatching('SHOP_IDENTITY', 'shop.identity.user_updated', UserUpdated.decode, (e) => e.userId === customer.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.event.roles, ['customer', 'order_manager']);
    assert.equal(events[0]!.event.active, true);

    const audit = await auditEventsFor('user.roles_changed', customer.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.details['before'], 'customer');
    assert.equal(audit[0]!.details['after'], 'customer,order_manager');
    assert.ok(audit[0]!.actorId, 'the audit event names the admin who acted');
    assert.ok(audit[0]!.requestId);
    assert.equal(audit[0]!.sourceIp, '127.0.0.1');
  });

  test('changes the display name with a field mask and leaves the roles alone', async () => {
    const customer = await newCustomer();
    const res = await patchUser(await admin(), customer.id, 'displayName', { displayName: '  Renamed  ', roles: ['admin'] });
    assert.equal(res.status, 200);
    assert.equal(res.body.displayName, 'Renamed');
    assert.deepEqual(res.body.roles, ['customer']);
  });

  test('unknown roles, an empty role list and read-only fields are 400', async () => {
    const customer = await newCustomer();
    const token = await admin();
    const unknown = await patchUser(token, customer.id, 'roles', { roles: ['customer', 'root'] });
    assert.equal(unknown.status, 400);
    assert.deepEqual(violatedFields(unknown.body), ['roles']);
    assert.deepEqual(violatedFields((await patchUser(token, customer.id, 'roles', { roles: [] })).body), ['roles']);
    for (const field of ['status', 'email', 'emailVerified', 'mfaEnabled']) {
      const res = await patchUser(token, customer.id, field, { status: 'USER_STATUS_DISABLED', email: 'x@example.com', emailVerified: true, mfaEnabled: false });
      assert.equal(res.status, 400, field);
      assert.deepEqual(violatedFields(res.body), ['update_mask'], field);
    }
  });

  test('a stale etag is 409 and concurrent edits from one read let exactly one through', async () => {
    const customer = await newCustomer();
    const token = await admin();
    const read = await api('GET', `/v1/users/${customer.id}`, { token });
    const [a, b, c] = await Promise.all(
      [['support'], ['order_manager'], ['catalog_manager']].map((roles) => patchUser(token, customer.id, 'roles', { roles, etag: read.body.etag })),
    );
    const statuses = [a!, b!, c!].map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409]);
    const stale = await patchUser(token, customer.id, 'displayName', { displayName: 'Too late', etag: read.body.etag });
    assert.equal(stale.status, 409);
    assert.equal(errorReason(stale.body), 'ETAG_MISMATCH');
  });

  test('an admin cannot remove their own admin role or disable themselves', async () => {
    const token = await admin();
    const me = await api('GET', '/v1/users/me', { token });
    const demote = await patchUser(token, me.body.id, 'roles', { roles: ['support'] });
    assert.equal(demote.status, 400);
    assert.equal(errorReason(demote.body), 'SELF_LOCKOUT');
    const disable = await api('POST', `/v1/users/${me.body.id}:disable`, { token, json: {} });
    assert.equal(disable.status, 400);
    assert.equal(errorReason(disable.body), 'SELF_LOCKOUT');
    assert.deepEqual((await api('GET', '/v1/users/me', { token })).body.roles, ['admin']);
  });

  test('another admin can take the admin role away', async () => {
    const second = await staffMember(['admin']);
    const third = await staffMember(['admin']);
    const res = await patchUser(second.token, third.id, 'roles', { roles: ['support'] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.roles, ['support']);
  });
});

describe('disabling accounts', () => {
  test('a disabled user cannot refresh or sign in; the audit trail keeps the reason', async () => {
    const customer = await newCustomer();
    const session = await login(customer.email, customer.password);
    const token = await admin();
    const res = await api('POST', `/v1/users/${customer.id}:disable`, { token, json: { reason: 'chargeback fraud' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'USER_STATUS_DISABLED');

    const refreshed = await refresh(session.refresh_token);
    assert.equal(refreshed.status, 400);
    assert.equal(refreshed.body.error, 'invalid_grant');
    const signIn = await api('POST', '/v1/oauth/token', { form: { grant_type: 'password', username: customer.email, password: customer.password } });
    assert.equal(signIn.status, 400);
    assert.equal(signIn.body.error, 'invalid_grant');

    const audit = await auditEventsFor('user.disabled', customer.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.details['reason'], 'chargeback fraud');
    const events = await eventsMatching('SHOP_IDENTITY', 'shop.identity.user_updated', UserUpdated.decode, (e) => e.userId === customer.id);
    assert.deepEqual(events.map((e) => e.event.active), [false]);
  });

  test('disabling is idempotent, also when raced: one change, one audit event', async () => {
    const customer = await newCustomer();
    const token = await admin();
    const results = await Promise.all([1, 2, 3].map(() => api('POST', `/v1/users/${customer.id}:disable`, { token, json: { reason: 'duplicate account' } })));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
    assert.equal(new Set(results.map((r) => r.body.etag)).size, 1);
    const again = await api('POST', `/v1/users/${customer.id}:disable`, { token, json: {} });
    assert.equal(again.body.etag, results[0]!.body.etag);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await auditEventsFor('user.disabled', customer.id)).length, 1);
  });

  test('enabling lets the user sign in again, but old sessions stay ended', async () => {
    const customer = await newCustomer();
    const session = await login(customer.email, customer.password);
    const token = await admin();
    assert.equal((await api('POST', `/v1/users/${customer.id}:disable`, { token, json: {} })).status, 200);
    const enabled = await api('POST', `/v1/users/${customer.id}:enable`, { token, json: {} });
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.status, 'USER_STATUS_ACTIVE');
    assert.equal((await refresh(session.refresh_token)).status, 400);
    await login(customer.email, customer.password);
    assert.equal((await auditEventsFor('user.enabled', customer.id)).length, 1);
  });
});

describe('customers and anonymous callers (BOLA, privilege escalation)', () => {
  test('a customer gets 403 on every staff method, also on their own account', async () => {
    const customer = await newCustomer();
    const other = await newCustomer();
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/v1/users'],
      ['GET', `/v1/users?emailPrefix=${encodeURIComponent(other.email)}`],
      ['GET', `/v1/users/${other.id}`],
      ['GET', `/v1/users/${customer.id}`],
      ['PATCH', `/v1/users/${customer.id}?updateMask=roles`, { roles: ['admin'] }],
      ['PATCH', `/v1/users/${other.id}?updateMask=displayName`, { displayName: 'Hijacked' }],
      ['POST', `/v1/users/${other.id}:disable`, {}],
      ['POST', `/v1/users/${customer.id}:enable`, {}],
    ];
    for (const [method, path, json] of calls) {
      const res = await api(method, path, { token: customer.token, ...(json === undefined ? {} : { json }) });
      assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
    }
    const me = await api('GET', '/v1/users/me', { token: customer.token });
    assert.deepEqual(me.body.roles, ['customer']);
    const theirs = await api('GET', '/v1/users/me', { token: other.token });
    assert.equal(theirs.body.displayName, 'Test Customer');
  });

  test('without a token every staff method is 401', async () => {
    const other = await newCustomer();
    for (const [method, path] of [['GET', '/v1/users'], ['GET', `/v1/users/${other.id}`], ['POST', `/v1/users/${other.id}:disable`]] as const) {
      assert.equal((await api(method, path, method === 'POST' ? { json: {} } : {})).status, 401, `${method} ${path}`);
    }
  });
});
