import { DomainError } from '../../../platform/src/errors.js';
import type { IdentityDeps } from '../app/deps.js';
import type { IdentityHandlers } from './handlers.js';

const pending = (): never => { throw new DomainError('unavailable', 'NOT_BUILT_YET', 'not built yet'); };

/** Account administration for staff. */
export function staffHandlers(_deps: IdentityDeps): IdentityHandlers<'listUsers' | 'getUser' | 'updateUser' | 'disableUser' | 'enableUser'> {
  return { listUsers: pending, getUser: pending, updateUser: pending, disableUser: pending, enableUser: pending };
}
