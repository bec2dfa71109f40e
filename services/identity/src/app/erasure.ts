import { UserDeleted } from '../../../../gen/shop/identity/v1/events.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { auditOutboxEntry } from '../../../platform/src/audit.js';
import { outboxEntry, outboxPush } from '../../../platform/src/events/index.js';
import type { UserDoc } from '../infra/models.js';
import { loadAccount, userNotFound } from './account.js';
import type { IdentityDeps } from './deps.js';
import type { RequestOrigin } from './limits.js';
import { assertPassword } from './password.js';
import { revokeSessions } from './sessions.js';
import { SUBJECTS, userTarget } from './users.js';

/** The address an erased account keeps: unique (the id), and never deliverable (RFC 2606 `.invalid`). */
export const erasedEmail = (userId: string) => `deleted-${userId}@erased.invalid`;

/** Stored in place of a password hash; not in the `scrypt$...` format, so no password ever matches it. */
export const ERASED_PASSWORD_HASH = '!erased';

/**
 * GDPR erasure of the caller's account, confirmed with their password. The account
 * document stays with its id (orders and the audit trail reference it) but every
 * personal field is overwritten, the email is replaced so the address can register
 * again, and the password can never match; the UserDeleted event goes in the same
 * atomic update, so other services learn of it exactly when it happened.
 *
 * The address book, sessions and one-time tokens go afterwards (`finishErasure`).
 * That order leaves nothing behind: address creation re-checks the account after its
 * insert, so nothing can be added to an account once it is marked deleted. The mark
 * also sets `erasurePending`, cleared when the rest is done, so a crash in between is
 * finished by a retry or by `finishPendingErasures` at the next start.
 */
export async function eraseAccount(deps: IdentityDeps, userId: string, password: string, origin: RequestOrigin): Promise<void> {
  const violations = new Violations();
  if (password === '') violations.add('password', 'is required');
  violations.throwIfAny();
  const existing = await deps.models.users.findById(userId, { state: 1, erasurePending: 1 }).lean();
  if (existing?.state === 'deleted') {
    // A retry after an erasure that did not get to finish: finish it, then answer as for any erased account.
    if (existing.erasurePending) await finishErasure(deps, userId);
    throw userNotFound();
  }
  const user = await loadAccount(deps, userId, { forWrite: true });
  await assertPassword(deps, user, password, 'password', origin);

  const now = new Date();
  const event = UserDeleted.encode({ userId, occurTime: now }).finish();
  const erased: Partial<UserDoc> = {
    email: erasedEmail(userId),
    displayName: 'Deleted user',
    passwordHash: ERASED_PASSWORD_HASH,
    locale: '',
    marketingConsent: false,
    emailVerified: false,
    state: 'deleted',
    mfa: { recoveryCodeHashes: [] },
    failedLogins: 0,
    lockedUntil: null,
    lockouts: 0,
    sessionsValidAfter: now,
    erasurePending: true,
    updatedAt: now,
  };
  const result = await deps.models.users.updateOne(
    // Guarded by the password hash the caller just proved.
    { _id: userId, state: 'active', passwordHash: user.passwordHash },
    {
      $set: erased,
      $unset: { phoneEnc: 1, defaultShippingAddressId: 1, defaultBillingAddressId: 1 },
      $inc: { revision: 1 },
      $push: outboxPush(outboxEntry(SUBJECTS.userDeleted, 'shop.identity.v1.UserDeleted', event), auditOutboxEntry(origin, 'user.deleted', userTarget(userId))),
    },
    { timestamps: false },
  );
  if (result.modifiedCount !== 1) {
    const latest = await deps.models.users.findById(userId, { state: 1 }).lean();
    if (!latest || latest.state === 'deleted') throw userNotFound();
    throw new DomainError('aborted', 'ACCOUNT_CHANGED', 'your account changed meanwhile; try again');
  }
  deps.onWrite();
  await finishErasure(deps, userId);
}

/**
 * What erasure removes beside the account document: the address book, sessions and
 * one-time tokens; then the pending mark goes. Idempotent.
 */
export async function finishErasure(deps: IdentityDeps, userId: string): Promise<void> {
  await deps.models.addresses.deleteMany({ userId });
  await revokeSessions(deps.models, userId);
  await deps.models.oneTimeTokens.deleteMany({ userId });
  await deps.models.users.updateOne({ _id: userId, state: 'deleted' }, { $unset: { erasurePending: 1 } }, { timestamps: false });
}

/** Finishes erasures a crash interrupted; run at start-up. Returns how many it finished. */
export async function finishPendingErasures(deps: IdentityDeps): Promise<number> {
  const pending = await deps.models.users.find({ state: 'deleted', erasurePending: true }, { _id: 1 }).lean();
  for (const { _id } of pending) await finishErasure(deps, _id);
  return pending.length;
}
