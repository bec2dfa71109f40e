import { ADDRESS_FIELDS, COUNTRY_CODES, addressFieldKey, checkPostalCode, validateAddress, type AddressField, type AddressFields } from '../../../platform/src/address.js';
import { Violations } from '../../../platform/src/errors.js';
import { snakeCase } from './profile.js';

/** How many addresses one address book holds. */
export const MAX_ADDRESSES = 50;

// Country, postal code and region rules are shared with shipping (platform/src/address.ts).
export { ADDRESS_FIELDS, COUNTRY_CODES, checkPostalCode, validateAddress, type AddressField, type AddressFields };

const READ_ONLY_ADDRESS_FIELDS = ['id', 'etag', 'create_time', 'update_time'];

/** The encrypted fields, by proto name: who and exactly where, plus the phone. */
export const ENCRYPTED_ADDRESS_FIELDS = ['full_name', 'company', 'line1', 'line2', 'phone'] as const satisfies readonly AddressField[];

/**
 * `update_mask` paths (snake_case or lowerCamel) to address fields. Without a mask,
 * every field the client set (AIP-134); server-owned fields in a mask are an error.
 */
export function parseAddressMask(paths: readonly string[] | undefined, patch: AddressFields): AddressField[] {
  if (!paths || paths.length === 0) return ADDRESS_FIELDS.filter((f) => patch[addressFieldKey[f]] !== '');
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
  for (const field of fields) next[addressFieldKey[field]] = patch[addressFieldKey[field]];
  return next;
}

/** The AddressFields key of a proto field name. */
export const addressKey = (field: AddressField): keyof AddressFields => addressFieldKey[field];
