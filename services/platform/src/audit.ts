import { randomUUID } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { ActorType, AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import type { Caller } from './auth.js';
import { domainStream, outboxEntry, publishEvent, type NatsHandles, type OutboxEntry, type PublishResult, type StreamSpec } from './events/index.js';
import { redact } from './logger.js';

/**
 * The audit trail: every staff action and every security event becomes an
 * `AuditEvent` on `shop.audit.<action>` in the SHOP_AUDIT stream, which every
 * service's runtime creates. Two ways in:
 * - a change to a document (a role changed, a product deleted): `auditOutboxEntry`,
 *   `$push`ed to the document's outbox in the same atomic update as the change, so
 *   the change cannot happen without its audit record;
 * - an event that changes no document (a burst of failed logins, a reused refresh
 *   token): `publishAudit`, straight to JetStream.
 */

/** Protobuf type name in the Shop-Event-Type header. */
export const AUDIT_EVENT_TYPE = 'shop.audit.v1.AuditEvent';

/** The SHOP_AUDIT stream over `shop.audit.>`. */
export function auditStream(): StreamSpec {
  return domainStream('audit');
}

/**
 * `<resource>.<past-tense verb>` in lower snake case, e.g. `user.role_changed`,
 * `auth.refresh_reuse`, `keys.rotated`; checked when the event is built (it becomes
 * part of the subject), so actions may also be composed at run time.
 */
export type AuditAction = string;

/** What was acted on: `{ type: 'user', id }`; `id` may be omitted when there is no single record. */
export interface AuditTarget {
  type: string;
  id?: string;
}

/**
 * Where an action came from. A CallContext is one; background jobs use
 * `systemAuditContext`.
 */
export interface AuditContext {
  readonly caller: Caller | null;
  readonly requestId: string;
  readonly clientIp: string;
  readonly userAgent: string;
  /** Set for work no request triggered; the job's name becomes the actor. */
  readonly job?: string;
}

/** The context of a background job (a scheduled key rotation), audited as a SYSTEM actor. */
export function systemAuditContext(job: string): AuditContext {
  return { caller: null, requestId: `${job}:${randomUUID()}`, clientIp: '', userAgent: '', job };
}

// Subjects are built from actions, so an action must be safe as NATS subject tokens.
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const TARGET_TYPE = /^[a-z][a-z0-9_]*$/;

/** `shop.audit.<action>`; throws for an action that is not `<resource>.<verb>` in lower snake case. */
export function auditSubject(action: string): string {
  if (!ACTION.test(action)) throw new TypeError(`audit action must look like "user.role_changed", got ${JSON.stringify(action)}`);
  return `shop.audit.${action}`;
}

/** Builds the event; exported for tests and for callers that need the message itself. */
export function auditEvent(ctx: AuditContext, action: AuditAction, target: AuditTarget, details: Record<string, string> = {}, id: string = randomUUID()): AuditEvent {
  auditSubject(action);
  if (!TARGET_TYPE.test(target.type)) throw new TypeError(`audit target type must be lower snake case, got ${JSON.stringify(target.type)}`);
  const { actorId, actorType } = actorOf(ctx);
  // An audit trail is kept for years and read by many: the same redaction as logs, so
  // a password, token or email address put in details by mistake is masked.
  const safeDetails = redact({ ...details }) as Record<string, unknown>;
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(safeDetails)) all[k] = String(v);
  if (ctx.caller?.sessionId && !('actor_session_id' in all)) all['actor_session_id'] = ctx.caller.sessionId;
  if (ctx.caller?.kind === 'user' && !('actor_mfa' in all)) all['actor_mfa'] = String(ctx.caller.mfa);
  return {
    id,
    actorId,
    actorType,
    action,
    targetType: target.type,
    targetId: target.id ?? '',
    occurTime: new Date(),
    requestId: ctx.requestId,
    sourceIp: ctx.clientIp,
    userAgent: ctx.userAgent.slice(0, 256),
    details: all,
  };
}

function actorOf(ctx: AuditContext): { actorId: string; actorType: ActorType } {
  if (ctx.job) return { actorId: ctx.job, actorType: ActorType.ACTOR_TYPE_SYSTEM };
  if (!ctx.caller) return { actorId: '', actorType: ActorType.ACTOR_TYPE_ANONYMOUS };
  return { actorId: ctx.caller.userId, actorType: ctx.caller.kind === 'service' ? ActorType.ACTOR_TYPE_SERVICE : ActorType.ACTOR_TYPE_USER };
}

/**
 * An outbox entry recording `action`, to `$push` onto the changed document's `outbox`
 * in the same update as the change (`outboxPush(domainEntry, auditEntry)`): the
 * audit record is then exactly as durable as the change, and the service's outbox
 * relay publishes it with its event id as Nats-Msg-Id.
 */
export function auditOutboxEntry(ctx: AuditContext, action: AuditAction, target: AuditTarget, details: Record<string, string> = {}): OutboxEntry {
  const event = auditEvent(ctx, action, target, details);
  return outboxEntry(auditSubject(action), AUDIT_EVENT_TYPE, AuditEvent.encode(event).finish(), event.id);
}

/**
 * Publishes a security event that changes no document, waiting for JetStream to
 * store it. Pass a stable `id` when the event has a natural identity (the refresh
 * family that was reused, the key that was rotated): a retried request then
 * publishes the same id and JetStream drops the copy. Throws when NATS cannot take
 * it; a caller that must answer anyway (a failed login) catches and logs.
 */
export async function publishAudit(
  nats: NatsHandles | JetStreamClient,
  ctx: AuditContext,
  action: AuditAction,
  target: AuditTarget,
  details: Record<string, string> = {},
  options: { id?: string } = {},
): Promise<PublishResult> {
  const event = auditEvent(ctx, action, target, details, options.id ?? randomUUID());
  const js = 'js' in nats ? nats.js : nats;
  return publishEvent(js, { subject: auditSubject(action), id: event.id, type: AUDIT_EVENT_TYPE, data: AuditEvent.encode(event).finish() });
}
