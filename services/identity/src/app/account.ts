import type { User } from '../../../../gen/shop/identity/v1/identity_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import { LOST_RACE, writeAtRevision, type ResourceErrors } from '../../../platform/src/resource-errors.js';
import { revisionOf } from '../../../platform/src/etag.js';
import { toUserMessage, userFieldAad } from '../api/mapping.js';
import { parseProfileMask, validateProfileChange, type ProfileChange, type ProfilePatch } from '../domain/profile.js';
import type { UserDoc } from '../infra/models.js';
import type { IdentityDeps } from './deps.js';

export const userNotFound = () => new DomainError('not_found', 'USER_NOT_FOUND', 'the account of this token no longer exists');

/**
 * The caller's account. An erased account no longer exists for its old tokens (they
 * stay verifiable until they expire); a disabled one may still be read but not
 * changed (`forWrite`).
 */
export async function loadAccount(deps: IdentityDeps, userId: string, options: { forWrite?: boolean } = {}): Promise<UserDoc> {
  const user = await deps.models.users.findById(userId, { outbox: 0 }).lean<UserDoc>();
  if (!user || user.state === 'deleted') throw userNotFound();
  if (options.forWrite && user.state !== 'active') throw new DomainError('permission_denied', 'ACCOUNT_DISABLED', 'this account is disabled');
  return user;
}

/** `"7"` or `W/"7"` -> 7; a malformed etag is a 400 (the platform's rule). */
export { revisionOf };

/** The caller's own account speaks of "your account", not of an id. */
const ACCOUNT_ERRORS: ResourceErrors = {
  notFound: () => userNotFound(),
  stale: () => new DomainError('aborted', 'ETAG_MISMATCH', 'your account was changed meanwhile; re-read it and retry'),
  busy: () => new DomainError('aborted', 'CONCURRENT_UPDATES', 'your account is being changed concurrently; retry'),
};

/** The caller's own profile. */
export async function getProfile(deps: IdentityDeps, userId: string): Promise<User> {
  return toUserMessage(await loadAccount(deps, userId), deps.crypto);
}

/**
 * Changes the caller's own profile fields. Only PROFILE_FIELDS can ever be written
 * here: the update is built from the validated change, never from the request, so
 * roles, status, email and the verified flag are out of reach whatever the body says.
 * Read-check-write guarded by the revision, like catalog: with the client's etag a
 * conflict is theirs to resolve (409), without one we re-read and retry.
 */
export async function updateProfile(deps: IdentityDeps, userId: string, patch: ProfilePatch, mask: readonly string[] | undefined, etag: string): Promise<User> {
  const fields = parseProfileMask(mask, patch);
  const change = validateProfileChange(patch, fields);
  return writeAtRevision({
    id: userId,
    expectedRevision: etag ? revisionOf(etag) : null,
    errors: ACCOUNT_ERRORS,
    load: () => loadAccount(deps, userId, { forWrite: true }),
    attempt: async (current) => {
      if (fields.length === 0) return toUserMessage(current, deps.crypto);
      await assertOwnAddresses(deps, userId, change);
      const { set, unset } = profileUpdate(deps, userId, change);
      const result = await deps.models.users.updateOne(
        { _id: userId, revision: current.revision, state: 'active' },
        { $set: { ...set, updatedAt: new Date() }, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}), $inc: { revision: 1 } },
        { timestamps: false },
      );
      if (result.modifiedCount !== 1) return LOST_RACE;
      await dropDanglingDefaults(deps, userId, [
        { field: 'default_shipping_address_id', id: change.defaultShippingAddressId },
        { field: 'default_billing_address_id', id: change.defaultBillingAddressId },
      ]);
      return getProfile(deps, userId);
    },
  });
}

function profileUpdate(deps: IdentityDeps, userId: string, change: ProfileChange): { set: Record<string, unknown>; unset: Record<string, 1> } {
  const set: Record<string, unknown> = {};
  const unset: Record<string, 1> = {};
  if (change.displayName !== undefined) set['displayName'] = change.displayName;
  if (change.phone !== undefined) {
    if (change.phone === '') unset['phoneEnc'] = 1;
    else set['phoneEnc'] = deps.crypto.encrypt(change.phone, userFieldAad(userId, 'phone'));
  }
  if (change.locale !== undefined) set['locale'] = change.locale;
  if (change.marketingConsent !== undefined) set['marketingConsent'] = change.marketingConsent;
  for (const key of ['defaultShippingAddressId', 'defaultBillingAddressId'] as const) {
    const value = change[key];
    if (value === undefined) continue;
    if (value === '') unset[key] = 1;
    else set[key] = value;
  }
  return { set, unset };
}

/** A default address must be one of the caller's own (the lookup is scoped to them: no BOLA). */
async function assertOwnAddresses(deps: IdentityDeps, userId: string, change: ProfileChange): Promise<void> {
  const problems: Array<{ field: string; description: string }> = [];
  for (const [key, field] of [['defaultShippingAddressId', 'default_shipping_address_id'], ['defaultBillingAddressId', 'default_billing_address_id']] as const) {
    const id = change[key];
    if (id && !(await deps.models.addresses.exists({ _id: id, userId }))) problems.push({ field, description: 'is not one of your addresses' });
  }
  if (problems.length > 0) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', problems.map((p) => `${p.field}: ${p.description}`).join('; '), {}, problems);
}

/**
 * Clears defaults that point at an address deleted while it was being made default
 * (the ownership check and the write are two steps), then reports it as the check
 * would have. Each clear is one conditional update, so a newer default is never hit.
 */
export async function dropDanglingDefaults(deps: IdentityDeps, userId: string, defaults: ReadonlyArray<{ field: string; id: string | undefined }>): Promise<void> {
  const problems: Array<{ field: string; description: string }> = [];
  for (const { field, id } of defaults) {
    if (!id || (await deps.models.addresses.exists({ _id: id, userId }))) continue;
    problems.push({ field, description: 'the address was deleted meanwhile' });
    await clearDefaultsPointingAt(deps, userId, id);
  }
  if (problems.length > 0) throw new DomainError('invalid_argument', 'ADDRESS_DELETED', 'the address was deleted meanwhile, so it is not a default', {}, problems);
}

/** Unsets the default shipping and/or billing address if it is `addressId`; one atomic update per default. */
export async function clearDefaultsPointingAt(deps: IdentityDeps, userId: string, addressId: string): Promise<void> {
  for (const key of ['defaultShippingAddressId', 'defaultBillingAddressId'] as const) {
    await deps.models.users.updateOne({ _id: userId, [key]: addressId }, { $unset: { [key]: 1 }, $set: { updatedAt: new Date() }, $inc: { revision: 1 } }, { timestamps: false });
  }
}
