import { randomInt, randomUUID } from 'node:crypto';
import type { Address } from '../../../../gen/shop/identity/v1/identity_service.js';
import { fieldAad } from '../../../platform/src/crypto/field-cipher.js';
import { DomainError } from '../../../platform/src/errors.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import {
  ENCRYPTED_ADDRESS_FIELDS,
  MAX_ADDRESSES,
  addressKey,
  applyAddressPatch,
  parseAddressMask,
  validateAddress,
  type AddressFields,
} from '../domain/address.js';
import type { AddressDoc } from '../infra/models.js';
import { clearDefaultsPointingAt, dropDanglingDefaults, loadAccount, revisionOf, userNotFound } from './account.js';
import type { FieldCrypto, IdentityDeps } from './deps.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

/**
 * The AAD of an encrypted address field: its owner, the address and the field. A
 * ciphertext copied to another field, address or account fails to decrypt.
 */
export const addressFieldAad = (userId: string, addressId: string, field: string) => fieldAad('addresses', userId, addressId, field);

/** Document keys of the encrypted fields. */
const ENC_KEY = { full_name: 'fullNameEnc', company: 'companyEnc', line1: 'line1Enc', line2: 'line2Enc', phone: 'phoneEnc' } as const;

const ADDRESS_ERRORS = resourceErrors('address');
const { notFound } = ADDRESS_ERRORS;

/** What a create may also do to the account: make the new address a default. */
export interface NewAddressDefaults {
  shipping: boolean;
  billing: boolean;
}

/**
 * A user's address book. Every query is scoped by the owner's id taken from the
 * access token, never from the request: another user's address id is simply not
 * found (404), and there is no way to name another user's book.
 */
export class AddressBook {
  constructor(private readonly deps: IdentityDeps) {}

  async list(userId: string): Promise<Address[]> {
    await loadAccount(this.deps, userId);
    const docs = await this.deps.models.addresses.find({ userId }).sort({ createdAt: 1, _id: 1 }).lean<AddressDoc[]>();
    return docs.map((d) => toAddressMessage(d, this.deps.crypto));
  }

  /**
   * Adds an address in the lowest free slot; the unique (user, slot) index makes the
   * 50-address cap hold under concurrent creates. Afterwards the account is checked
   * (or its defaults set) once more: if it was erased meanwhile the new address is
   * removed again, so erasure never leaves an address behind.
   */
  async create(userId: string, input: AddressFields, defaults: NewAddressDefaults): Promise<Address> {
    const fields = validateAddress(input);
    await loadAccount(this.deps, userId, { forWrite: true });
    const { addresses } = this.deps.models;
    const id = randomUUID();
    let doc: AddressDoc | null = null;
    // Each lost race means a concurrent create took a slot, so this ends within
    // MAX_ADDRESSES + 1 rounds: with a slot of our own, or with a full book.
    for (let round = 0; round <= MAX_ADDRESSES && !doc; round++) {
      const taken = new Set((await addresses.find({ userId }, { slot: 1 }).lean()).map((a) => a.slot));
      const free = Array.from({ length: MAX_ADDRESSES }, (_, i) => i).filter((i) => !taken.has(i));
      if (free.length === 0) {
        throw new DomainError('failed_precondition', 'ADDRESS_BOOK_FULL', `an address book holds at most ${MAX_ADDRESSES} addresses; delete one first`, { max: String(MAX_ADDRESSES) });
      }
      // A random free slot, not the lowest: concurrent creates then rarely collide.
      const slot = free[randomInt(free.length)]!;
      const now = new Date();
      const candidate = { _id: id, userId, slot, ...this.encrypted(userId, id, fields), city: fields.city, region: fields.region, postalCode: fields.postalCode, countryCode: fields.countryCode, revision: 1, createdAt: now, updatedAt: now };
      try {
        await addresses.create(candidate);
        doc = candidate as AddressDoc;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // another create took the slot: look again
      }
    }
    if (!doc) throw new DomainError('aborted', 'CONCURRENT_UPDATES', 'your address book is being changed concurrently; retry');

    const set: Record<string, string> = {};
    if (defaults.shipping) set['defaultShippingAddressId'] = id;
    if (defaults.billing) set['defaultBillingAddressId'] = id;
    const stillActive =
      Object.keys(set).length > 0
        ? (await this.deps.models.users.updateOne({ _id: userId, state: 'active' }, { $set: { ...set, updatedAt: new Date() }, $inc: { revision: 1 } }, { timestamps: false })).modifiedCount === 1
        : Boolean(await this.deps.models.users.exists({ _id: userId, state: 'active' }));
    if (!stillActive) {
      await addresses.deleteOne({ _id: id, userId });
      throw userNotFound();
    }
    if (Object.keys(set).length > 0) {
      await dropDanglingDefaults(this.deps, userId, [
        { field: 'set_default_shipping', id: set['defaultShippingAddressId'] },
        { field: 'set_default_billing', id: set['defaultBillingAddressId'] },
      ]);
    }
    return toAddressMessage(doc, this.deps.crypto);
  }

  /**
   * Changes the masked fields. Read-check-write guarded by the revision: with the
   * client's etag a conflict is a 409, without one we re-read and retry. The whole
   * result is validated (a new country re-checks the postal code and region).
   */
  async update(userId: string, id: string, patch: AddressFields, mask: readonly string[] | undefined, etag: string): Promise<Address> {
    const fields = parseAddressMask(mask, patch);
    await loadAccount(this.deps, userId, { forWrite: true });
    return writeAtRevision({
      id,
      expectedRevision: etag ? revisionOf(etag) : null,
      errors: ADDRESS_ERRORS,
      load: () => this.deps.models.addresses.findOne({ _id: id, userId }).lean<AddressDoc>(),
      attempt: async (current) => {
        if (fields.length === 0) return toAddressMessage(current, this.deps.crypto);
        const next = validateAddress(applyAddressPatch(fieldsOf(current, this.deps.crypto), patch, fields));
        const encrypted = this.encrypted(userId, id, next);
        const unset = Object.fromEntries(Object.values(ENC_KEY).filter((k) => !(k in encrypted)).map((k) => [k, 1]));
        const set = { ...encrypted, city: next.city, region: next.region, postalCode: next.postalCode, countryCode: next.countryCode, updatedAt: new Date() };
        const result = await this.deps.models.addresses.updateOne(
          { _id: id, userId, revision: current.revision },
          { $set: set, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}), $inc: { revision: 1 } },
          { timestamps: false },
        );
        if (result.modifiedCount !== 1) return LOST_RACE;
        const after = { ...current, ...set, revision: current.revision + 1 } as AddressDoc;
        for (const k of Object.keys(unset)) delete (after as unknown as Record<string, unknown>)[k];
        return toAddressMessage(after, this.deps.crypto);
      },
    });
  }

  /** Removes an address; if it was a default, that default is cleared on the account. */
  async delete(userId: string, id: string): Promise<void> {
    await loadAccount(this.deps, userId, { forWrite: true });
    const result = await this.deps.models.addresses.deleteOne({ _id: id, userId });
    if (result.deletedCount !== 1) throw notFound(id);
    await clearDefaultsPointingAt(this.deps, userId, id);
  }

  /** The encrypted fields as document keys; empty optional fields are left out (stored as absent). */
  private encrypted(userId: string, id: string, fields: AddressFields): Partial<Record<(typeof ENC_KEY)[keyof typeof ENC_KEY], string>> {
    const out: Partial<Record<(typeof ENC_KEY)[keyof typeof ENC_KEY], string>> = {};
    for (const field of ENCRYPTED_ADDRESS_FIELDS) {
      const value = fields[addressKey(field)];
      if (value !== '') out[ENC_KEY[field]] = this.deps.crypto.encrypt(value, addressFieldAad(userId, id, field));
    }
    return out;
  }
}

function fieldsOf(doc: AddressDoc, crypto: FieldCrypto): AddressFields {
  const open = (field: keyof typeof ENC_KEY) => {
    const value = doc[ENC_KEY[field]];
    return value ? crypto.decrypt(value, addressFieldAad(doc.userId, doc._id, field)) : '';
  };
  return {
    fullName: open('full_name'),
    company: open('company'),
    line1: open('line1'),
    line2: open('line2'),
    city: doc.city,
    region: doc.region ?? '',
    postalCode: doc.postalCode ?? '',
    countryCode: doc.countryCode,
    phone: open('phone'),
  };
}

/** An address as the API shows it; encrypted fields are decrypted here only. */
export function toAddressMessage(doc: AddressDoc, crypto: FieldCrypto): Address {
  return {
    id: doc._id,
    ...fieldsOf(doc, crypto),
    etag: `"${doc.revision}"`,
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}
