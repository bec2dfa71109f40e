/**
 * Role-based access control in one place. Methods are guarded by permissions, never
 * by role names: roles are only bundles of permissions, so a new role (or a changed
 * one) never means touching a service's access table. Service accounts have no roles;
 * the permissions they were granted arrive as OAuth2 scopes.
 */

/**
 * Every permission any service checks, named `<domain>.<resource>.<verb>` or
 * `<domain>.<verb>`. Adding one here gives it to admin automatically.
 */
export const PERMISSIONS = [
  'catalog.products.write',
  'catalog.products.read_unpublished',
  // Internal price selection and variant lookup; cart and checkout hold it as a
  // service-account scope (client_credentials), admin has it like every permission.
  'catalog.prices.read',
  'orders.read',
  'orders.manage',
  'users.read',
  'users.manage',
  'reviews.moderate',
  'inventory.manage',
  // Internal reservations (ReserveStock, Commit/Release/Extend); cart and order hold it
  // as a service-account scope, admin has it like every permission.
  'inventory.reservations.write',
  'payments.manage',
  // Internal payment authorisation at checkout; the order service holds it as a
  // service-account scope (with payments.manage for capture, void and refund).
  'payments.authorise',
  'promotions.manage',
  'returns.manage',
  // Shipping zones, methods and rates, shipments and tracking (staff), and creating
  // shipments for orders (the order service's service account). Replaces the unused
  // shipping.manage: one name for one job (decision in docs/decisions.md).
  'fulfilment.manage',
  'audit.read',
  'keys.rotate',
  'tokens.introspect',
  // Tax rules carts and orders apply (staff who run the shop's money side).
  'tax.manage',
  // Internal: freezing and closing carts for checkout; the order service's scope.
  'carts.checkout',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const KNOWN_PERMISSIONS: ReadonlySet<string> = new Set(PERMISSIONS);

/** Narrows a string (a scope, a config value) to a permission this platform knows. */
export function isPermission(value: string): value is Permission {
  return KNOWN_PERMISSIONS.has(value);
}

/** The built-in roles identity can assign. `customer` is every shopper's role. */
export const ROLES = ['customer', 'support', 'catalog_manager', 'order_manager', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * What each role may do. Customers get no permission: everything a shopper may do is
 * either public or limited to their own resources (the `self` access rule), which is
 * not a permission but a property of the request. Staff roles follow the job, not the
 * org chart: support answers customers (reads accounts and orders, handles returns,
 * moderates reviews) but cannot change roles or money flows; the managers run their
 * part of the shop. Only admin manages users, reads the audit trail and rotates keys.
 */
export const ROLE_PERMISSIONS: { readonly [R in Role]: readonly Permission[] } = {
  customer: [],
  support: ['users.read', 'orders.read', 'returns.manage', 'reviews.moderate'],
  catalog_manager: ['catalog.products.write', 'catalog.products.read_unpublished', 'inventory.manage', 'promotions.manage', 'reviews.moderate'],
  order_manager: ['orders.read', 'orders.manage', 'returns.manage', 'fulfilment.manage', 'payments.manage', 'inventory.manage', 'users.read', 'tax.manage'],
  admin: PERMISSIONS,
};

/**
 * The permissions granted by a set of roles plus a set of scopes. Unknown roles and
 * scopes that are not permissions (`openid`, `profile`, a typo) grant nothing, so a
 * token minted by a newer identity with roles this process does not know yet fails
 * closed.
 */
export function permissionsOf(roles: readonly string[], scopes: readonly string[]): ReadonlySet<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) if (isRole(role)) for (const p of ROLE_PERMISSIONS[role]) granted.add(p);
  for (const scope of scopes) if (isPermission(scope)) granted.add(scope);
  return granted;
}
