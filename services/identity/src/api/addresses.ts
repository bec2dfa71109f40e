import { DomainError } from '../../../platform/src/errors.js';
import type { IdentityDeps } from '../app/deps.js';
import type { IdentityHandlers } from './handlers.js';

const pending = (): never => { throw new DomainError('unavailable', 'NOT_BUILT_YET', 'not built yet'); };

/** The caller's address book. */
export function addressHandlers(_deps: IdentityDeps): IdentityHandlers<'listAddresses' | 'createAddress' | 'updateAddress' | 'deleteAddress'> {
  return { listAddresses: pending, createAddress: pending, updateAddress: pending, deleteAddress: pending };
}
