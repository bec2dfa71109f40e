import { DomainError, Violations } from '../../../platform/src/errors.js';
import { ROLES, type Role } from '../../../platform/src/permissions.js';
import { validDisplayName } from './profile.js';

// The built-in roles are the platform's (roles -> permissions lives in one place).
export { ROLES, type Role };

// Deliberately simple (RFC 5322 is far looser): one @, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export interface Registration {
  email: string;
  password: string;
  displayName: string;
}

/** Normalises and validates a registration form, naming every bad field at once. */
export function validateRegistration(input: Registration): Registration {
  const email = normalizeEmail(input.email);
  const displayName = input.displayName.trim();
  const violations = new Violations();
  if (!EMAIL.test(email) || email.length > 254) violations.add('email', 'must be a valid email address');
  checkPassword('password', input.password, violations);
  if (!validDisplayName(displayName)) violations.add('display_name', 'must be 1 to 100 characters');
  violations.throwIfAny();
  return { email, password: input.password, displayName };
}

/** Emails are compared and stored trimmed and lower-cased. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * The one password policy (registration, reset, change): 10 to 128 characters, taken
 * exactly as typed. Length beats composition rules (NIST SP 800-63B); the cap bounds
 * the KDF's work per request.
 */
export function checkPassword(field: string, password: string, violations: Violations): void {
  if (password.length < 10) violations.add(field, 'must be at least 10 characters');
  else if (password.length > 128) violations.add(field, 'must be at most 128 characters');
}

/**
 * Roles on a registration make it a staff account, which only a caller allowed to
 * manage users may create. For anyone else it is a mass-assignment attempt, refused
 * with 403 naming the field rather than quietly dropped, so it shows in logs and
 * metrics and the client cannot believe it worked.
 */
export function assertMaySetRoles(roles: readonly string[], callerMayManageUsers: boolean): void {
  if (roles.length === 0 || callerMayManageUsers) return;
  throw new DomainError('permission_denied', 'ROLES_NOT_ALLOWED', 'only staff with users.manage may set roles', { field: 'roles', permission: 'users.manage' }, [
    { field: 'roles', description: 'may only be set by staff with users.manage' },
  ]);
}
