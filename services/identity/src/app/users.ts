import { randomUUID } from 'node:crypto';
import { DomainError } from '../../../platform/src/errors.js';
import { outboxEntry } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { UserRegistered } from '../../../../gen/shop/identity/v1/events.js';
import { hashPassword } from '../domain/password.js';
import { validateRegistration, type Registration, type Role } from '../domain/registration.js';
import type { IdentityModels, UserDoc } from '../infra/models.js';

export const USER_REGISTERED_SUBJECT = 'shop.identity.user_registered';

/** Registers a customer; the unique email index decides races, so one email = one account. */
export async function registerUser(models: IdentityModels, input: Registration): Promise<UserDoc> {
  const form = validateRegistration(input);
  const id = randomUUID();
  const event = UserRegistered.encode({ userId: id, email: form.email, displayName: form.displayName, locale: '', occurTime: new Date() }).finish();
  try {
    const created = await models.users.create({
      _id: id,
      email: form.email,
      passwordHash: await hashPassword(form.password),
      displayName: form.displayName,
      roles: ['customer'] satisfies Role[],
      outbox: [outboxEntry(USER_REGISTERED_SUBJECT, 'shop.identity.v1.UserRegistered', event)],
    });
    return created.toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw new DomainError('already_exists', 'EMAIL_TAKEN', 'an account with this email already exists', {}, [{ field: 'email', description: 'is already registered' }]);
    throw err;
  }
}

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
