import { createHash } from 'node:crypto';
import { UserUpdated } from '../../../../gen/shop/identity/v1/events.js';
import { auditOutboxEntry } from '../../../platform/src/audit.js';
import type { Caller } from '../../../platform/src/auth.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { outboxEntry, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { assertMayManage, assertNotSelfLockout, roleChanges, sameRoles, validateRoles } from '../domain/roles.js';
import type { UserDoc, UserState } from '../infra/users.js';
import type { IdentityDeps } from './deps.js';
import { revokeSessions } from './sessions.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

/**
 * Account administration for staff: list and read accounts, change names and roles,
 * disable and enable. Every write is one conditional update that also stores the
 * UserUpdated event and the audit event (actor, request id, client IP), so a change
 * is never without its trail.
 */

export const USER_UPDATED_SUBJECT = 'shop.identity.user_updated';

/** Never read what staff screens must not show; mfa.secretEnc stays only to tell whether MFA is on. */
const STAFF_PROJECTION = { passwordHash: 0, outbox: 0, 'mfa.pendingSecretEnc': 0, 'mfa.recoveryCodeHashes': 0, 'mfa.lastUsedStep': 0 } as const;

const USER_ERRORS = resourceErrors('user');
const { notFound } = USER_ERRORS;
const deleted = (id: string) => new DomainError('failed_precondition', 'USER_DELETED', `user ${id} was erased and cannot be changed`, { user_id: id });

/** Who acts: the staff member (or service account) behind the call. */
function actorOf(ctx: CallContext): Caller {
  if (!ctx.caller) throw new DomainError('unauthenticated', 'TOKEN_REQUIRED', 'this method needs a bearer access token');
  return ctx.caller;
}

const userTarget = (id: string) => ({ type: 'user', id });

function userUpdatedEntry(userId: string, roles: readonly string[], state: UserState, occurTime: Date): OutboxEntry {
  const event = UserUpdated.encode({ userId, roles: [...roles], active: state === 'active', occurTime }).finish();
  return outboxEntry(USER_UPDATED_SUBJECT, 'shop.identity.v1.UserUpdated', event);
}

/** The filters of ListUsers, as the API received them. */
export interface UserQuery {
  pageSize: number;
  pageToken: string;
  emailPrefix: string;
  role: string;
  /** Only accounts in this state; undefined for all. */
  state: UserState | undefined;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Accounts newest first, keyset-paged on (createdAt, _id): ids are random UUIDs, so
 * the id alone orders nothing and only breaks ties between accounts created in the
 * same millisecond.
 */
export async function listUsers(deps: IdentityDeps, query: UserQuery): Promise<{ users: UserDoc[]; nextPageToken: string }> {
  const size = pageSize(query.pageSize);
  // Emails are stored lower-cased, so a lower-cased prefix is the case-insensitive match
  // and the anchored regex can still use the email index.
  const emailPrefix = query.emailPrefix.trim().toLowerCase();
  const violations = new Violations();
  if (query.role !== '') validateRoles([query.role], violations, 'role');
  if (emailPrefix.length > 254) violations.add('email_prefix', 'must be at most 254 characters');
  violations.throwIfAny();
  const fingerprint = createHash('sha256').update(JSON.stringify([emailPrefix, query.role, query.state ?? ''])).digest('base64url').slice(0, 12);
  const cursor = decodePageToken(query.pageToken, fingerprint);
  const filter: Record<string, unknown> = {};
  if (emailPrefix) filter['email'] = { $regex: `^${escapeRegex(emailPrefix)}` };
  if (query.role) filter['roles'] = query.role;
  if (query.state) filter['state'] = query.state;
  if (cursor) {
    const at = new Date(Number(cursor['t']));
    const id = String(cursor['id']);
    if (Number.isNaN(at.getTime())) throw new DomainError('invalid_argument', 'INVALID_PAGE_TOKEN', 'page_token is invalid', {}, [{ field: 'page_token', description: 'is not a token from this list' }]);
    filter['$or'] = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
  }
  // One extra row tells whether another page exists without a count query.
  const docs = await deps.models.users.find(filter, STAFF_PROJECTION).sort({ createdAt: -1, _id: -1 }).limit(size + 1).lean<UserDoc[]>();
  const page = docs.slice(0, size);
  const last = page[page.length - 1];
  return {
    users: page,
    nextPageToken: docs.length > size && last ? encodePageToken({ t: last.createdAt.getTime(), id: last._id }, fingerprint) : '',
  };
}

export async function getUser(deps: IdentityDeps, id: string): Promise<UserDoc> {
  const user = id ? await deps.models.users.findById(id, STAFF_PROJECTION).lean<UserDoc>() : null;
  if (!user) throw notFound(id);
  return user;
}

/** A staff change to an account: only the fields named are applied. */
export interface UserPatch {
  displayName?: string;
  roles?: string[];
  /** '' removes the customer from their group. */
  customerGroup?: string;
}

function validatePatch(patch: UserPatch): UserPatch {
  const violations = new Violations();
  const out: UserPatch = {};
  if (patch.displayName !== undefined) {
    out.displayName = patch.displayName.trim();
    if (out.displayName.length < 1 || out.displayName.length > 100) violations.add('display_name', 'must be 1 to 100 characters');
  }
  if (patch.roles !== undefined) out.roles = validateRoles(patch.roles, violations);
  if (patch.customerGroup !== undefined) {
    out.customerGroup = patch.customerGroup.trim();
    // The same shape as price lists' customer_group, so a group can always be priced.
    if (out.customerGroup !== '' && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(out.customerGroup)) violations.add('customer_group', 'must be empty or 1 to 64 of a-z 0-9 _ - starting with a letter or digit');
  }
  violations.throwIfAny();
  return out;
}

/**
 * Changes display name and roles. Read-modify-write guarded by the revision: with
 * the client's etag a conflict is the client's to resolve (ABORTED), without one we
 * re-read and retry. The guard matters most for roles: without it, an admin adding a
 * role from a stale copy would silently restore a role another admin just removed.
 */
export async function updateUser(deps: IdentityDeps, ctx: CallContext, id: string, input: UserPatch, expectedRevision: number | null): Promise<UserDoc> {
  const actor = actorOf(ctx);
  const patch = validatePatch(input);
  return writeAtRevision({
    id,
    expectedRevision,
    errors: USER_ERRORS,
    load: () => getUser(deps, id),
    attempt: async (current) => {
      if (current.state === 'deleted') throw deleted(id);
      const roles = patch.roles ?? current.roles;
      const displayName = patch.displayName ?? current.displayName;
      const rolesChanged = !sameRoles(roles, current.roles);
      const changes = roleChanges(current.roles, roles);
      assertMayManage(actor.permissions, current.roles, [...changes.added, ...changes.removed]);
      if (id === actor.userId) assertNotSelfLockout(current.roles, roles);
      const customerGroup = patch.customerGroup ?? current.customerGroup ?? '';
      const groupChanged = customerGroup !== (current.customerGroup ?? '');
      if (!rolesChanged && !groupChanged && displayName === current.displayName) return current;

      const now = new Date();
      const outbox: OutboxEntry[] = [];
      if (rolesChanged) {
        outbox.push(userUpdatedEntry(id, roles, current.state, now));
        outbox.push(auditOutboxEntry(ctx, 'user.roles_changed', userTarget(id), { before: current.roles.join(','), after: roles.join(','), added: changes.added.join(','), removed: changes.removed.join(',') }));
      }
      if (displayName !== current.displayName) outbox.push(auditOutboxEntry(ctx, 'user.display_name_changed', userTarget(id), {}));
      if (groupChanged) outbox.push(auditOutboxEntry(ctx, 'user.customer_group_changed', userTarget(id), { before: current.customerGroup ?? '', after: customerGroup }));
      const updated = await deps.models.users.findOneAndUpdate(
        { _id: id, revision: current.revision, state: { $ne: 'deleted' } },
        { $set: { roles, displayName, customerGroup, updatedAt: now }, $inc: { revision: 1 }, $push: { outbox: { $each: outbox } } },
        { returnDocument: 'after', projection: STAFF_PROJECTION, timestamps: false },
      ).lean<UserDoc>();
      if (!updated) return LOST_RACE;
      deps.onWrite();
      return updated;
    },
  });
}

/**
 * Disables an account: sign-in fails from now on, every refresh token is revoked so
 * refresh fails at once, and sessionsValidAfter tells token checks that anything
 * issued before now is void. Access tokens already out run until they expire (minutes).
 * Idempotent: disabling a disabled account changes nothing and records nothing, but
 * revokes sessions again in case one slipped in while it was being disabled.
 */
export async function disableUser(deps: IdentityDeps, ctx: CallContext, id: string, reason: string): Promise<UserDoc> {
  const actor = actorOf(ctx);
  const why = reason.trim();
  if (why.length > 500) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'reason: must be at most 500 characters', {}, [{ field: 'reason', description: 'must be at most 500 characters' }]);
  if (id === actor.userId) throw new DomainError('failed_precondition', 'SELF_LOCKOUT', 'you cannot disable your own account; ask another admin');
  const user = await setState(deps, ctx, id, 'active', 'disabled', 'user.disabled', why ? { reason: why } : {});
  // After the state change: a refresh racing this sees the account disabled or its token revoked.
  await revokeSessions(deps.models, id);
  return user;
}

/** Enables a disabled account again; sessions ended by disabling stay ended. Idempotent. */
export async function enableUser(deps: IdentityDeps, ctx: CallContext, id: string): Promise<UserDoc> {
  actorOf(ctx);
  return setState(deps, ctx, id, 'disabled', 'active', 'user.enabled', {});
}

async function setState(deps: IdentityDeps, ctx: CallContext, id: string, from: UserState, to: UserState, action: string, details: Record<string, string>): Promise<UserDoc> {
  const actor = actorOf(ctx);
  return writeAtRevision({
    id,
    expectedRevision: null,
    errors: USER_ERRORS,
    load: () => getUser(deps, id),
    attempt: async (current) => {
      if (current.state === 'deleted') throw deleted(id);
      assertMayManage(actor.permissions, current.roles);
      if (current.state === to) return current;
      const now = new Date();
      const set: Record<string, unknown> = { state: to, updatedAt: now };
      if (to === 'disabled') set['sessionsValidAfter'] = now;
      const updated = await deps.models.users.findOneAndUpdate(
        { _id: id, state: from, revision: current.revision },
        {
          $set: set,
          $inc: { revision: 1 },
          $push: { outbox: { $each: [userUpdatedEntry(id, current.roles, to, now), auditOutboxEntry(ctx, action, userTarget(id), details)] } },
        },
        { returnDocument: 'after', projection: STAFF_PROJECTION, timestamps: false },
      ).lean<UserDoc>();
      if (!updated) return LOST_RACE;
      deps.onWrite();
      return updated;
    },
  });
}
