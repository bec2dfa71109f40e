import { normalizePhone } from '../../../platform/src/address.js';
import { Violations } from '../../../platform/src/errors.js';

/** The profile fields a user may change about themselves (UpdateCurrentUser). */
export const PROFILE_FIELDS = ['display_name', 'phone', 'locale', 'marketing_consent', 'default_shipping_address_id', 'default_billing_address_id'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/**
 * Fields of User that exist but only the server (or staff, elsewhere) may set. Naming
 * one in an update mask is an error rather than silently ignored, so a client that
 * tries to grant itself a role learns it cannot instead of believing it did.
 */
export const READ_ONLY_USER_FIELDS = ['id', 'email', 'roles', 'email_verified', 'status', 'mfa_enabled', 'create_time', 'update_time'] as const;

/** A profile change as the client sent it (proto defaults for fields not sent). */
export interface ProfilePatch {
  displayName: string;
  phone: string;
  locale: string;
  marketingConsent: boolean;
  defaultShippingAddressId: string;
  defaultBillingAddressId: string;
}

const PATCH_KEY: Record<ProfileField, keyof ProfilePatch> = {
  display_name: 'displayName',
  phone: 'phone',
  locale: 'locale',
  marketing_consent: 'marketingConsent',
  default_shipping_address_id: 'defaultShippingAddressId',
  default_billing_address_id: 'defaultBillingAddressId',
};

/** `displayName` -> `display_name`; masks arrive in either spelling (JSON clients send lowerCamel). */
export const snakeCase = (path: string) => path.trim().replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The profile fields an update touches. With a mask: exactly the named fields, and a
 * read-only or unknown path is a 400 naming update_mask. Without one (AIP-134): every
 * profile field the client set to a non-default value; values sent for read-only
 * fields (roles, status, email_verified...) are never looked at.
 */
export function parseProfileMask(paths: readonly string[] | undefined, patch: ProfilePatch): ProfileField[] {
  if (!paths || paths.length === 0) {
    return PROFILE_FIELDS.filter((f) => {
      const value = patch[PATCH_KEY[f]];
      return typeof value === 'boolean' ? value : value !== '';
    });
  }
  const violations = new Violations();
  const fields = new Set<ProfileField>();
  for (const raw of paths) {
    const path = snakeCase(raw);
    if ((PROFILE_FIELDS as readonly string[]).includes(path)) fields.add(path as ProfileField);
    else if ((READ_ONLY_USER_FIELDS as readonly string[]).includes(path)) violations.add('update_mask', `"${raw}" cannot be changed here`);
    else violations.add('update_mask', `unknown field "${raw}"; allowed: ${PROFILE_FIELDS.join(', ')}`);
  }
  violations.throwIfAny();
  return [...fields];
}

/** The validated values of the fields an update touches, normalised for storage. */
export interface ProfileChange {
  displayName?: string;
  /** E.164; '' clears it. */
  phone?: string;
  /** Canonical BCP 47; '' means the shop default. */
  locale?: string;
  marketingConsent?: boolean;
  /** '' clears the default. Ownership is checked by the use case, which can see the address book. */
  defaultShippingAddressId?: string;
  defaultBillingAddressId?: string;
}

/** Validates the touched fields, naming every bad one. */
export function validateProfileChange(patch: ProfilePatch, fields: readonly ProfileField[]): ProfileChange {
  const violations = new Violations();
  const change: ProfileChange = {};
  for (const field of fields) {
    switch (field) {
      case 'display_name': {
        const name = patch.displayName.trim();
        if (!validDisplayName(name)) violations.add('display_name', 'must be 1 to 100 characters');
        change.displayName = name;
        break;
      }
      case 'phone': {
        const phone = patch.phone.trim() === '' ? '' : normalizePhone(patch.phone);
        if (phone === null) violations.add('phone', 'must be an E.164 phone number, e.g. +4930123456');
        else change.phone = phone;
        break;
      }
      case 'locale': {
        const locale = patch.locale.trim() === '' ? '' : canonicalLocale(patch.locale);
        if (locale === null) violations.add('locale', 'must be a BCP 47 language tag, e.g. en-GB');
        else change.locale = locale;
        break;
      }
      case 'marketing_consent':
        change.marketingConsent = patch.marketingConsent;
        break;
      case 'default_shipping_address_id':
        change.defaultShippingAddressId = patch.defaultShippingAddressId.trim();
        break;
      case 'default_billing_address_id':
        change.defaultBillingAddressId = patch.defaultBillingAddressId.trim();
        break;
    }
  }
  violations.throwIfAny();
  return change;
}

/** Display names as registration accepts them: 1 to 100 characters after trimming. */
export const validDisplayName = (name: string) => name.length >= 1 && name.length <= 100;

// Shared with addresses in every service.
export { normalizePhone };

/** The canonical form of one BCP 47 tag (`en-gb` -> `en-GB`), or null if it is not one. */
export function canonicalLocale(raw: string): string | null {
  const tag = raw.trim();
  // Intl accepts lists and odd input types; one plain tag of sane length only.
  if (tag.length === 0 || tag.length > 35 || tag.includes(',')) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical ?? null;
  } catch {
    return null;
  }
}
