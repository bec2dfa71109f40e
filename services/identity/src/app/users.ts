import { randomUUID } from 'node:crypto';
import { EmailVerificationRequested, PasswordResetRequested, UserRegistered } from '../../../../gen/shop/identity/v1/events.js';
import { auditOutboxEntry } from '../../../platform/src/audit.js';
import { hasPermission } from '../../../platform/src/auth.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { outboxEntry, type OutboxEntry } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { hashPassword } from '../domain/password.js';
import { assertMaySetRoles, validateRegistration, type Registration, type Role } from '../domain/registration.js';
import { assertMayManage, validateRoles } from '../domain/roles.js';
import type { IdentityModels, UserDoc } from '../infra/models.js';
import { OneTimeTokens } from '../infra/one-time-tokens.js';
import type { IdentityDeps } from './deps.js';
import { enforceRateLimits, type RequestOrigin } from './limits.js';

/** Subjects of identity's events on the SHOP_IDENTITY stream. */
export const SUBJECTS = {
  userRegistered: 'shop.identity.user_registered',
  emailVerificationRequested: 'shop.identity.email_verification_requested',
  passwordResetRequested: 'shop.identity.password_reset_requested',
  userDeleted: 'shop.identity.user_deleted',
} as const;
export const USER_REGISTERED_SUBJECT = SUBJECTS.userRegistered;

/** An account as the target of an audit event. */
export const userTarget = (id: string) => ({ type: 'user', id });

/** A new account as the form (or staff) asked for it. */
export interface RegistrationRequest extends Registration {
  roles: readonly string[];
}

/**
 * Registers an account: a customer for anyone, a staff account when a caller with
 * users.manage sets roles. The unique email index decides races (one email, one
 * account). The account is born with its UserRegistered and EmailVerificationRequested
 * events in its outbox, so both reach the stream exactly when the account exists.
 */
export async function registerUser(deps: IdentityDeps, input: RegistrationRequest, origin: RequestOrigin): Promise<UserDoc> {
  const staff = hasPermission(origin.caller, 'users.manage');
  // Permission before validation: a customer setting roles learns only that they may not.
  assertMaySetRoles(input.roles, staff);
  let roles: Role[] = ['customer'];
  if (input.roles.length > 0) {
    const violations = new Violations();
    roles = validateRoles(input.roles, violations);
    violations.throwIfAny();
    assertMayManage(origin.caller!.permissions, [], roles);
  }
  // Staff creating accounts are not throttled per IP (a whole office shares one).
  if (!staff) await enforceRateLimits(deps, [{ rule: 'registrationPerIp', key: origin.clientIp }]);
  const form = validateRegistration(input);
  const passwordHash = await hashPassword(form.password);

  const id = randomUUID();
  const now = new Date();
  const verification = new OneTimeTokens(deps.models.oneTimeTokens, 'email_verification');
  const { token, expiresAt } = await verification.issue(id, form.email, deps.settings.verificationTokenTtlSeconds, now);
  const registered = UserRegistered.encode({ userId: id, email: form.email, displayName: form.displayName, locale: '', occurTime: now }).finish();
  try {
    const outbox = [
      outboxEntry(SUBJECTS.userRegistered, 'shop.identity.v1.UserRegistered', registered),
      verificationEvent({ _id: id, email: form.email, displayName: form.displayName, locale: '' }, token, expiresAt, now),
    ];
    // A staff action: audited in the same write that creates the account.
    if (input.roles.length > 0) outbox.push(auditOutboxEntry(origin, 'user.created', userTarget(id), { roles: roles.join(',') }));
    const created = await deps.models.users.create({ _id: id, email: form.email, passwordHash, displayName: form.displayName, roles, outbox });
    deps.onWrite();
    return created.toObject();
  } catch (err) {
    // The token was stored first; without its account it must never work.
    await verification.invalidateAll(id).catch(() => undefined);
    if (isDuplicateKey(err)) throw new DomainError('already_exists', 'EMAIL_TAKEN', 'an account with this email already exists', {}, [{ field: 'email', description: 'is already registered' }]);
    throw err;
  }
}

// Mails carrying a single-use token: same fields, different message and subject.
const TOKEN_MAILS = {
  verify_email: {
    subject: SUBJECTS.emailVerificationRequested,
    type: 'shop.identity.v1.EmailVerificationRequested',
    encode: (m: EmailVerificationRequested) => EmailVerificationRequested.encode(m).finish(),
  },
  reset_password: {
    subject: SUBJECTS.passwordResetRequested,
    type: 'shop.identity.v1.PasswordResetRequested',
    encode: (m: PasswordResetRequested) => PasswordResetRequested.encode(m).finish(),
  },
} as const;

/** The outbox entry asking the notification service to mail a token link (verification or reset). */
export function tokenMailEvent(
  purpose: keyof typeof TOKEN_MAILS,
  user: Pick<UserDoc, '_id' | 'email' | 'displayName' | 'locale'>,
  token: string,
  expiresAt: Date,
  now: Date,
): OutboxEntry {
  const mail = TOKEN_MAILS[purpose];
  const data = mail.encode({ userId: user._id, email: user.email, token, expireTime: expiresAt, displayName: user.displayName, locale: user.locale ?? '', occurTime: now });
  return outboxEntry(mail.subject, mail.type, data);
}

/** The outbox entry asking the notification service to mail a verification link. */
export const verificationEvent = (user: Pick<UserDoc, '_id' | 'email' | 'displayName' | 'locale'>, token: string, expiresAt: Date, now: Date): OutboxEntry =>
  tokenMailEvent('verify_email', user, token, expiresAt, now);

/** Creates the first admin from configuration if it does not exist yet; safe to run on every start. */
export async function ensureAdmin(models: IdentityModels, email: string, password: string): Promise<void> {
  const normalized = email.trim().toLowerCase();
  if (await models.users.exists({ email: normalized })) return;
  try {
    await models.users.create({
      _id: randomUUID(),
      email: normalized,
      passwordHash: await hashPassword(password),
      displayName: 'Administrator',
      roles: ['admin'] satisfies Role[],
      emailVerified: true,
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // another process seeded it first
  }
}
