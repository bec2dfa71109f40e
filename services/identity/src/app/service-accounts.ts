import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { auditOutboxEntry } from '../../../platform/src/audit.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { isPermission, type Permission } from '../../../platform/src/permissions.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import type { IdentityModels, ServiceAccountDoc } from '../infra/models.js';
import { oauthError } from './tokens.js';

/**
 * Service accounts: OAuth2 clients of the client_credentials grant.
 *
 * The client secret is 32 random bytes and is stored as its SHA-256, not with scrypt
 * like passwords. A slow KDF protects low-entropy secrets people choose; a 256-bit
 * random secret cannot be guessed from its hash however fast the hash is, while a
 * slow hash on every client_credentials call would only hand attackers a cheap way
 * to burn our CPU. (GitHub and Stripe store API tokens the same way.)
 */

export const CLIENT_ID_PREFIX = 'svc-';

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Validates a service account's scopes: known permissions, at least one, de-duplicated. */
export function validateScopes(scopes: readonly string[], violations: Violations, field = 'scopes'): Permission[] {
  const unknown = scopes.filter((s) => !isPermission(s));
  if (unknown.length > 0) violations.add(field, `unknown permission(s): ${unknown.join(', ')}`);
  else if (scopes.length === 0) violations.add(field, 'grant at least one permission');
  return [...new Set(scopes)].filter(isPermission);
}

/** A new service account, with its secret in clear: the only time anyone sees it. */
export interface CreatedServiceAccount {
  account: ServiceAccountDoc;
  clientSecret: string;
}

/**
 * Creates a service account. The creator can only grant permissions they hold
 * themselves, or users.manage would be a way to mint an all-powerful client.
 */
export async function createServiceAccount(
  models: IdentityModels,
  input: { name: string; scopes: readonly string[] },
  actor: { id: string; permissions: ReadonlySet<Permission> },
  ctx: CallContext,
): Promise<CreatedServiceAccount> {
  const violations = new Violations();
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) violations.add('name', 'must be 1 to 100 characters');
  const scopes = validateScopes(input.scopes, violations);
  violations.throwIfAny();
  const missing = scopes.filter((s) => !actor.permissions.has(s));
  if (missing.length > 0) {
    throw new DomainError('permission_denied', 'SCOPE_NOT_GRANTABLE', `you cannot grant permissions you do not hold (${missing.join(', ')})`, { missing_permissions: missing.join(',') });
  }
  const clientId = `${CLIENT_ID_PREFIX}${randomBytes(12).toString('hex')}`;
  const clientSecret = randomBytes(32).toString('base64url');
  const created = await models.serviceAccounts.create({
    _id: clientId,
    name,
    scopes,
    secretHash: hashSecret(clientSecret),
    source: 'api',
    createdBy: actor.id,
    // The staff action's audit event, stored with the account it made.
    outbox: [auditOutboxEntry(ctx, 'service_account.created', { type: 'service_account', id: clientId }, { scopes: scopes.join(' ') })],
  });
  return { account: created.toObject(), clientSecret };
}

/** SHOP_SERVICE_ACCOUNTS: service accounts for internal callers, declared in config (JSON array). */
export const configuredServiceAccountsSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(
      z.object({
        clientId: z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'client ids are 3 to 64 of a-z 0-9 . _ -'),
        name: z.string().min(1).max(100).optional(),
        /** At least 32 characters: it is a machine secret, not a password. */
        clientSecret: z.string().min(32, 'client secrets need at least 32 characters'),
        scopes: z.array(z.string().refine(isPermission, 'unknown permission')).min(1),
      }),
    ),
  );
export type ConfiguredServiceAccount = z.infer<typeof configuredServiceAccountsSchema>[number];

/**
 * Writes the configured service accounts (idempotent; every process does it at start).
 * Config owns these accounts: a changed secret or scope list takes effect on restart.
 */
export async function upsertConfiguredServiceAccounts(models: IdentityModels, accounts: readonly ConfiguredServiceAccount[]): Promise<void> {
  for (const a of accounts) {
    const update = { $set: { name: a.name ?? a.clientId, scopes: [...new Set(a.scopes)], secretHash: hashSecret(a.clientSecret), source: 'config' as const, createdBy: 'config', disabledAt: null } };
    try {
      await models.serviceAccounts.updateOne({ _id: a.clientId }, update, { upsert: true });
    } catch (err) {
      // Two processes upserting the same new id: one insert wins, the other updates.
      if (!isDuplicateKey(err)) throw err;
      await models.serviceAccounts.updateOne({ _id: a.clientId }, update);
    }
  }
}

/** Client credentials as presented: HTTP Basic (RFC 6749 section 2.3.1) or in the body. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Reads the client's credentials. RFC 6749 section 2.3: a client uses one method per
 * request; Basic credentials are form-urlencoded before base64 (section 2.3.1).
 * Null when the request carries none. A Bearer header is not client authentication
 * (the platform verified it as the caller's token) and is ignored here.
 */
export function clientCredentialsOf(authorization: string | undefined, params: Record<string, string>): ClientCredentials | null {
  const header = authorization ?? '';
  const isBasic = /^Basic(\s|$)/i.test(header);
  const basic = isBasic ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (isBasic && !basic) throw oauthError('invalid_client', 'malformed HTTP Basic credentials');
  const inBody = params['client_id'] !== undefined || params['client_secret'] !== undefined;
  if (basic && inBody) throw oauthError('invalid_request', 'use one client authentication method: HTTP Basic or the request body, not both');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw oauthError('invalid_client', 'malformed HTTP Basic credentials');
    try {
      return { clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
    } catch {
      throw oauthError('invalid_client', 'malformed HTTP Basic credentials');
    }
  }
  if (inBody) return { clientId: params['client_id'] ?? '', clientSecret: params['client_secret'] ?? '' };
  return null;
}

/** The service account these credentials prove, or `invalid_client` (401) for any mismatch. */
export async function authenticateClient(models: IdentityModels, credentials: ClientCredentials | null): Promise<ServiceAccountDoc> {
  if (!credentials || !credentials.clientId || !credentials.clientSecret) throw oauthError('invalid_client', 'client authentication is required');
  const account = await models.serviceAccounts.findById(credentials.clientId).lean();
  // Hash even for an unknown client, so timing does not tell which client ids exist.
  const ok = secretMatches(credentials.clientSecret, account?.secretHash ?? hashSecret(''));
  if (!account || !ok || account.disabledAt) throw oauthError('invalid_client', 'client authentication failed');
  return account;
}

/**
 * The scopes a client_credentials token gets: all granted when `requested` is empty,
 * else exactly the requested ones, each of which must be granted (`invalid_scope`).
 */
export function grantedScopes(account: Pick<ServiceAccountDoc, 'scopes'>, requested: string | undefined): string[] {
  const asked = (requested ?? '').split(' ').filter(Boolean);
  if (asked.length === 0) return [...account.scopes];
  const notGranted = asked.filter((s) => !account.scopes.includes(s));
  if (notGranted.length > 0) throw oauthError('invalid_scope', `scope not granted to this client: ${notGranted.join(' ')}`);
  return [...new Set(asked)];
}
