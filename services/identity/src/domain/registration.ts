import { Violations } from '../../../platform/src/errors.js';

/** Roles known to the shop in this release; permissions per role come with RBAC. */
export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

// Deliberately simple (RFC 5322 is far looser): one @, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export interface Registration {
  email: string;
  password: string;
  displayName: string;
}

/** Normalises and validates a registration form, naming every bad field at once. */
export function validateRegistration(input: Registration): Registration {
  const email = input.email.trim().toLowerCase();
  const displayName = input.displayName.trim();
  const violations = new Violations();
  if (!EMAIL.test(email) || email.length > 254) violations.add('email', 'must be a valid email address');
  if (input.password.length < 10) violations.add('password', 'must be at least 10 characters');
  else if (input.password.length > 128) violations.add('password', 'must be at most 128 characters');
  if (displayName.length < 1 || displayName.length > 100) violations.add('display_name', 'must be 1 to 100 characters');
  violations.throwIfAny();
  return { email, password: input.password, displayName };
}
