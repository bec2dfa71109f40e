import type { Address } from '../../../../gen/shop/identity/v1/identity_service.js';
import { selfUserId } from '../../../platform/src/auth.js';
import { DomainError } from '../../../platform/src/errors.js';
import { AddressBook } from '../app/addresses.js';
import type { IdentityDeps } from '../app/deps.js';
import type { AddressFields } from '../domain/address.js';
import type { IdentityHandlers } from './handlers.js';

function fieldsOf(address: Address | undefined): AddressFields {
  if (!address) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'address is required', {}, [{ field: 'address', description: 'is required' }]);
  return {
    fullName: address.fullName,
    company: address.company,
    line1: address.line1,
    line2: address.line2,
    city: address.city,
    region: address.region,
    postalCode: address.postalCode,
    countryCode: address.countryCode,
    phone: address.phone,
  };
}

/** The caller's address book; the owner is always the token's user (SELF), never a request field. */
export function addressHandlers(deps: IdentityDeps): IdentityHandlers<'listAddresses' | 'createAddress' | 'updateAddress' | 'deleteAddress'> {
  const book = new AddressBook(deps);
  return {
    listAddresses: async (_req, ctx) => ({ addresses: await book.list(selfUserId(ctx)) }),
    createAddress: async (req, ctx) => book.create(selfUserId(ctx), fieldsOf(req.address), { shipping: req.setDefaultShipping, billing: req.setDefaultBilling }),
    updateAddress: async (req, ctx) => book.update(selfUserId(ctx), req.address?.id ?? '', fieldsOf(req.address), req.updateMask, req.address?.etag ?? ''),
    async deleteAddress(req, ctx) {
      await book.delete(selfUserId(ctx), req.id);
      return {};
    },
  };
}
