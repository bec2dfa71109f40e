import { Violations } from '../../../platform/src/errors.js';
import { snakeCase } from './profile.js';
import type { PostalAddress } from '../../../platform/src/postal-address.js';
export { COUNTRY_CODES, checkPostalCode, validateAddress } from '../../../platform/src/postal-address.js';

/** How many addresses one address book holds. */
export const MAX_ADDRESSES = 50;

/** The fields of an address a user edits; id, etag and times belong to the server. */
export type AddressFields = PostalAddress;

export const ADDRESS_FIELDS = ['full_name', 'company', 'line1', 'line2', 'city', 'region', 'postal_code', 'country_code', 'phone'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
const READ_ONLY_ADDRESS_FIELDS = ['id', 'etag', 'create_time', 'update_time'];

const KEY: Record<AddressField, keyof AddressFields> = {
  full_name: 'fullName',
  company: 'company',
  line1: 'line1',
  line2: 'line2',
  city: 'city',
  region: 'region',
  postal_code: 'postalCode',
  country_code: 'countryCode',
  phone: 'phone',
};

/** The encrypted fields, by proto name: who and exactly where, plus the phone. */
export const ENCRYPTED_ADDRESS_FIELDS = ['full_name', 'company', 'line1', 'line2', 'phone'] as const satisfies readonly AddressField[];

/**
 * `update_mask` paths (snake_case or lowerCamel) to address fields. Without a mask,
 * every field the client set (AIP-134); server-owned fields in a mask are an error.
 */
export function parseAddressMask(paths: readonly string[] | undefined, patch: AddressFields): AddressField[] {
  if (!paths || paths.length === 0) return ADDRESS_FIELDS.filter((f) => patch[KEY[f]] !== '');
  const v = new Violations();
  const fields = new Set<AddressField>();
  for (const raw of paths) {
    const path = snakeCase(raw);
    if ((ADDRESS_FIELDS as readonly string[]).includes(path)) fields.add(path as AddressField);
    else if (READ_ONLY_ADDRESS_FIELDS.includes(path)) v.add('update_mask', `"${raw}" cannot be changed`);
    else v.add('update_mask', `unknown field "${raw}"; allowed: ${ADDRESS_FIELDS.join(', ')}`);
  }
  v.throwIfAny();
  return [...fields];
}

/** Applies the masked fields of a patch to the current address (validate the result). */
export function applyAddressPatch(current: AddressFields, patch: AddressFields, fields: readonly AddressField[]): AddressFields {
  const next = { ...current };
  for (const field of fields) next[KEY[field]] = patch[KEY[field]];
  return next;
}

/** The AddressFields key of a proto field name. */
export const addressKey = (field: AddressField): keyof AddressFields => KEY[field];
