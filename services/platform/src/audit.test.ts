import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActorType, AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { AUDIT_EVENT_TYPE, auditEvent, auditOutboxEntry, auditStream, auditSubject, systemAuditContext, type AuditContext } from './audit.js';
import type { Caller } from './auth.js';
import { permissionsOf } from './permissions.js';

const admin: Caller = { kind: 'user', userId: 'u-admin', roles: ['admin'], scopes: [], permissions: permissionsOf(['admin'], []), tokenId: 't1', sessionId: 'fam-1', mfa: true, token: 'x' };
const service: Caller = { kind: 'service', userId: 'client-orders', roles: [], scopes: ['orders.read'], permissions: permissionsOf([], ['orders.read']), tokenId: 't2', mfa: false, token: 'y' };
const fromEdge = (caller: Caller | null): AuditContext => ({ caller, requestId: 'req-1', clientIp: '203.0.113.9', userAgent: 'curl/8.5' });

describe('audit events', () => {
  test('carry actor, action, target, time, request id, source IP and user agent', () => {
    const before = Date.now();
    const event = auditEvent(fromEdge(admin), 'user.role_changed', { type: 'user', id: 'u-7' }, { roles_before: 'customer', roles_after: 'customer,support' });
    assert.equal(event.actorId, 'u-admin');
    assert.equal(event.actorType, ActorType.ACTOR_TYPE_USER);
    assert.equal(event.action, 'user.role_changed');
    assert.equal(event.targetType, 'user');
    assert.equal(event.targetId, 'u-7');
    assert.equal(event.requestId, 'req-1');
    assert.equal(event.sourceIp, '203.0.113.9');
    assert.equal(event.userAgent, 'curl/8.5');
    assert.ok(event.occurTime!.getTime() >= before);
    assert.deepEqual(event.details, { roles_before: 'customer', roles_after: 'customer,support', actor_session_id: 'fam-1', actor_mfa: 'true' });
    assert.match(event.id, /^[0-9a-f-]{36}$/);
  });

  test('name service accounts, anonymous callers and background jobs as such', () => {
    assert.deepEqual(pick(auditEvent(fromEdge(service), 'keys.rotated', { type: 'signing_key', id: 'k2' })), { actorId: 'client-orders', actorType: ActorType.ACTOR_TYPE_SERVICE });
    assert.deepEqual(pick(auditEvent(fromEdge(null), 'auth.login_failure_burst', { type: 'user', id: 'u-7' })), { actorId: '', actorType: ActorType.ACTOR_TYPE_ANONYMOUS });
    const job = auditEvent(systemAuditContext('key-rotation'), 'keys.rotated', { type: 'signing_key', id: 'k3' });
    assert.deepEqual(pick(job), { actorId: 'key-rotation', actorType: ActorType.ACTOR_TYPE_SYSTEM });
    assert.match(job.requestId, /^key-rotation:/);
  });

  test('mask secrets and personal data put in details by mistake', () => {
    const event = auditEvent(fromEdge(admin), 'user.password_changed', { type: 'user', id: 'u-7' }, { password: 'hunter2', refresh_token: 'abc', note: 'asked by ann@example.com' });
    assert.equal(event.details['password'], '[REDACTED]');
    assert.equal(event.details['refresh_token'], '[REDACTED]');
    assert.doesNotMatch(event.details['note']!, /ann@example\.com/);
  });

  test('refuse actions and target types that are not safe subject tokens', () => {
    for (const bad of ['login', 'user.>', 'user.*', 'User.Created', 'user..x', 'user. x', '']) {
      assert.throws(() => auditEvent(fromEdge(admin), bad, { type: 'user' }), TypeError, bad);
    }
    assert.throws(() => auditEvent(fromEdge(admin), 'user.created', { type: 'User Account' }), TypeError);
    assert.equal(auditSubject('auth.refresh_reuse'), 'shop.audit.auth.refresh_reuse');
  });

  test('an outbox entry carries the encoded event under its own id, on the audit subject', () => {
    const entry = auditOutboxEntry(fromEdge(admin), 'product.deleted', { type: 'product', id: 'p-1' }, { sku: 'MUG-1' });
    assert.equal(entry.subject, 'shop.audit.product.deleted');
    assert.equal(entry.type, AUDIT_EVENT_TYPE);
    const event = AuditEvent.decode(entry.data);
    assert.equal(event.id, entry.id, 'the event id is the Nats-Msg-Id');
    assert.equal(event.targetId, 'p-1');
    assert.equal(event.details['sku'], 'MUG-1');
  });

  test('the stream is SHOP_AUDIT over shop.audit.>', () => {
    assert.deepEqual(auditStream(), { name: 'SHOP_AUDIT', subjects: ['shop.audit.>'] });
  });
});

function pick(e: AuditEvent) {
  return { actorId: e.actorId, actorType: e.actorType };
}
