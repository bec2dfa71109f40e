import { expectedRevision } from '../../../platform/src/etag.js';
import { UserStatus, type User } from '../../../../gen/shop/identity/v1/identity_service.js';
import { DomainError, Violations, invalidArgument } from '../../../platform/src/errors.js';
import type { IdentityDeps } from '../app/deps.js';
import { disableUser, enableUser, getUser, listUsers, updateUser, type UserPatch } from '../app/staff.js';
import type { UserState } from '../infra/users.js';
import type { IdentityHandlers } from './handlers.js';
import { toUserMessage } from './mapping.js';

const STATES: Partial<Record<UserStatus, UserState>> = {
  [UserStatus.USER_STATUS_ACTIVE]: 'active',
  [UserStatus.USER_STATUS_DISABLED]: 'disabled',
  [UserStatus.USER_STATUS_DELETED]: 'deleted',
};

function stateFilter(status: UserStatus): UserState | undefined {
  if (status === UserStatus.USER_STATUS_UNSPECIFIED) return undefined;
  const state = STATES[status];
  if (!state) throw invalidArgument([{ field: 'status', description: 'must be USER_STATUS_ACTIVE, USER_STATUS_DISABLED or USER_STATUS_DELETED' }]);
  return state;
}

/** The fields staff may change with UpdateUser. */
const STAFF_FIELDS = ['display_name', 'roles', 'customer_group'] as const;

const snakeCase = (path: string) => path.trim().replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The patch an UpdateUser request asks for. With a mask: exactly the named fields (an
 * empty roles list named in the mask is a request to remove every role, refused by
 * validation). Without one (AIP-134): the fields the client set. Any other field,
 * status and email included, is a 400: status has its own verbs and audit events.
 */
export function userPatchOf(user: User, mask: readonly string[] | undefined): UserPatch {
  const paths = mask && mask.length > 0 ? mask.map(snakeCase) : STAFF_FIELDS.filter((f) => (f === 'roles' ? user.roles.length > 0 : f === 'customer_group' ? user.customerGroup !== '' : user.displayName !== ''));
  const violations = new Violations();
  const patch: UserPatch = {};
  for (const path of new Set(paths)) {
    if (path === 'display_name') patch.displayName = user.displayName;
    else if (path === 'roles') patch.roles = user.roles;
    else if (path === 'customer_group') patch.customerGroup = user.customerGroup;
    else violations.add('update_mask', `"${path}" cannot be changed with UpdateUser; allowed: ${STAFF_FIELDS.join(', ')}`);
  }
  if (paths.length === 0) violations.add('update_mask', `name the fields to change: ${STAFF_FIELDS.join(', ')}`);
  violations.throwIfAny();
  return patch;
}

/** The revision an etag names; null when the client sent none (no precondition); malformed is a 400 on user.etag. */
export const revisionOfEtag = (etag: string): number | null => expectedRevision(etag, 'user.etag');

/** Account administration for staff (users.read to look, users.manage to change). */
export function staffHandlers(deps: IdentityDeps): IdentityHandlers<'listUsers' | 'getUser' | 'updateUser' | 'disableUser' | 'enableUser'> {
  const show = (doc: Parameters<typeof toUserMessage>[0]) => toUserMessage(doc, deps.crypto);
  return {
    async listUsers(req) {
      const page = await listUsers(deps, { pageSize: req.pageSize, pageToken: req.pageToken, emailPrefix: req.emailPrefix, role: req.role, state: stateFilter(req.status) });
      return { users: page.users.map(show), nextPageToken: page.nextPageToken };
    },
    getUser: async (req) => show(await getUser(deps, req.id)),
    async updateUser(req, ctx) {
      if (!req.user) throw invalidArgument([{ field: 'user', description: 'is required' }]);
      const patch = userPatchOf(req.user, req.updateMask);
      return show(await updateUser(deps, ctx, req.user.id, patch, revisionOfEtag(req.user.etag)));
    },
    disableUser: async (req, ctx) => show(await disableUser(deps, ctx, req.id, req.reason)),
    enableUser: async (req, ctx) => show(await enableUser(deps, ctx, req.id)),
  };
}
