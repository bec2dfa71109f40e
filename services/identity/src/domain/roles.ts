import { DomainError, Violations } from '../../../platform/src/errors.js';
import { ROLES, isRole, permissionsOf, type Permission, type Role } from '../../../platform/src/permissions.js';

/**
 * Rules for giving people roles, on top of the platform's role -> permission table:
 * which role lists are valid, who may hand out which role, and what a member of
 * staff may not do to their own account.
 */

/** Validates roles against the built-in ones; returns them de-duplicated in the table's order. */
export function validateRoles(roles: readonly string[], violations: Violations, field = 'roles'): Role[] {
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length > 0) violations.add(field, `unknown role(s) ${unknown.map((r) => JSON.stringify(r)).join(', ')}; built-in roles: ${ROLES.join(', ')}`);
  else if (roles.length === 0) violations.add(field, 'an account needs at least one role');
  return ROLES.filter((r) => roles.includes(r));
}

/** Whether two role lists grant the same roles, order aside. */
export function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}

/**
 * Refuses to let a caller act on an account that holds permissions the caller lacks,
 * or to hand out or take away a role granting such permissions: otherwise anyone
 * with users.manage could make themselves (or a friend) admin. With the built-in
 * table only admin holds users.manage, so this bites service accounts whose scopes
 * include users.manage and any narrower user-manager role added later.
 */
export function assertMayManage(actor: ReadonlySet<Permission>, targetRoles: readonly string[], changedRoles: readonly string[] = []): void {
  const needed = permissionsOf([...targetRoles, ...changedRoles], []);
  const missing = [...needed].filter((p) => !actor.has(p));
  if (missing.length > 0) {
    throw new DomainError('permission_denied', 'ROLE_NOT_GRANTABLE', `you cannot manage an account or role with permissions you do not hold (${missing.join(', ')})`, {
      missing_permissions: missing.join(','),
    });
  }
}

/** The roles in one list but not the other, both ways. */
export function roleChanges(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  return { added: after.filter((r) => !before.includes(r)), removed: before.filter((r) => !after.includes(r)) };
}

/**
 * Lockout protection: nobody may take away their own admin role or their own right
 * to manage users, so a shop can never be left with its last admin locked out by a
 * slip of the mouse. Another admin can still do it.
 */
export function assertNotSelfLockout(before: readonly string[], after: readonly string[]): void {
  const losesAdmin = before.includes('admin') && !after.includes('admin');
  const losesUserManagement = permissionsOf(before, []).has('users.manage') && !permissionsOf(after, []).has('users.manage');
  if (losesAdmin || losesUserManagement) {
    throw new DomainError('failed_precondition', 'SELF_LOCKOUT', 'you cannot remove your own admin role or user management; ask another admin');
  }
}
