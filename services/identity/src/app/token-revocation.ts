import type { Redis } from 'ioredis';
import type { JWTPayload } from 'jose';
import { permissionsOf } from '../../../platform/src/permissions.js';
import type { IdentityModels, RefreshTokenDoc, UserDoc } from '../infra/models.js';
import type { IdentitySettings } from './deps.js';
import { revokeFamily } from './sessions.js';
import { hashToken, oauthError, sessionOf, sessionRoles, type TokenIssuer } from './tokens.js';

/**
 * Token revocation (RFC 7009) and introspection (RFC 7662).
 *
 * Revoking a refresh token ends its whole session (logout). Revoking an access token
 * puts its `jti` on a deny-list in Redis until the token expires; introspection
 * honours the list, the services' verifiers do not (docs/decisions.md): an access
 * token lives at most accessTokenTtlSeconds, which is the bound the shop accepts for
 * logout and disabled accounts alike.
 */

export interface RevocationDeps {
  models: IdentityModels;
  tokens: TokenIssuer;
  redis: Redis;
  settings: Pick<IdentitySettings, 'issuer' | 'audience' | 'mfaRequiredForAdmin'>;
}

export type TokenTypeHint = 'access_token' | 'refresh_token';

const deniedKey = (jti: string) => `identity:revoked-jti:${jti}`;

/** Whether an access token's jti was revoked. */
export async function isAccessTokenRevoked(redis: Redis, jti: string): Promise<boolean> {
  return (await redis.exists(deniedKey(jti))) === 1;
}

/** Reads token and token_type_hint; an unknown hint is ignored, as RFC 7009 section 2.1 lets us. */
export function tokenParams(params: Record<string, string>): { token: string; hint: TokenTypeHint | null } {
  const token = params['token'] ?? '';
  if (!token) throw oauthError('invalid_request', 'token is required');
  const hint = params['token_type_hint'];
  return { token, hint: hint === 'access_token' || hint === 'refresh_token' ? hint : null };
}

/** Refresh tokens are opaque base64url; JWTs have two dots. The hint only orders the search (RFC 7009 2.1). */
const looksLikeJwt = (token: string) => token.split('.').length === 3;

/**
 * Revokes a token; silently does nothing for a token that is unknown, expired or
 * already revoked (RFC 7009 section 2.2: the answer is 200 either way, so it says
 * nothing about the token to whoever sent it).
 */
export async function revokeToken(deps: RevocationDeps, token: string, hint: TokenTypeHint | null): Promise<void> {
  const accessFirst = hint === 'access_token' || (hint === null && looksLikeJwt(token));
  const attempts = accessFirst ? [revokeAccess, revokeRefresh] : [revokeRefresh, revokeAccess];
  for (const attempt of attempts) if (await attempt(deps, token)) return;
}

async function revokeRefresh(deps: RevocationDeps, token: string): Promise<boolean> {
  const doc = await deps.models.refreshTokens.findById(hashToken(token), { familyId: 1 }).lean();
  if (!doc) return false;
  await revokeFamily(deps.models, doc.familyId);
  return true;
}

async function revokeAccess(deps: RevocationDeps, token: string): Promise<boolean> {
  if (!looksLikeJwt(token)) return false;
  const claims = await deps.tokens.verifyAccessToken(token);
  if (!claims) return false;
  const ttl = claims.exp - Math.floor(Date.now() / 1000);
  // Kept exactly as long as the token could still be presented.
  if (ttl > 0) await deps.redis.set(deniedKey(claims.jti), '1', 'EX', ttl, 'NX');
  return true;
}

/** The RFC 7662 answer. */
export type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: Introspection = { active: false };

/** Introspects an access token (JWT) or a refresh token, trying the hinted kind first. */
export async function introspectToken(deps: RevocationDeps, token: string, hint: TokenTypeHint | null): Promise<Introspection> {
  const accessFirst = hint === 'access_token' || (hint === null && looksLikeJwt(token));
  const attempts = accessFirst ? [introspectAccess, introspectRefresh] : [introspectRefresh, introspectAccess];
  for (const attempt of attempts) {
    const answer = await attempt(deps, token);
    if (answer) return answer;
  }
  return INACTIVE;
}

/** Whether the account may still use sessions that began at `authTime`. */
function accountAllows(user: UserDoc | null, authTime: Date): user is UserDoc {
  if (!user || (user.state ?? 'active') !== 'active') return false;
  return !(user.sessionsValidAfter && authTime < user.sessionsValidAfter);
}

const scopeOfRoles = (roles: readonly string[]) => [...permissionsOf(roles, [])].join(' ');

/** Null when the token is not one of our refresh tokens; INACTIVE when it is, but unusable. */
async function introspectRefresh(deps: RevocationDeps, token: string): Promise<Introspection | null> {
  const doc = await deps.models.refreshTokens.findById(hashToken(token)).lean<RefreshTokenDoc>();
  if (!doc) return null;
  if (doc.rotatedAt || doc.revokedAt || doc.expiresAt <= new Date()) return INACTIVE;
  const session = sessionOf(doc);
  const user = await deps.models.users.findById(doc.userId, { roles: 1, state: 1, sessionsValidAfter: 1 }).lean<UserDoc>();
  if (!accountAllows(user, session.authTime)) return INACTIVE;
  const { roles } = sessionRoles(user, session.amr, deps.settings.mfaRequiredForAdmin);
  return {
    active: true,
    token_type: 'refresh_token',
    sub: doc.userId,
    scope: scopeOfRoles(roles),
    roles,
    sid: doc.familyId,
    amr: [...session.amr],
    auth_time: seconds(session.authTime),
    iat: seconds(doc.createdAt),
    exp: seconds(doc.expiresAt),
    iss: deps.settings.issuer,
    aud: deps.settings.audience,
  };
}

/** Null when the token is not a valid access token of ours (bad signature, expired...). */
async function introspectAccess(deps: RevocationDeps, token: string): Promise<Introspection | null> {
  if (!looksLikeJwt(token)) return null;
  const claims = await deps.tokens.verifyAccessToken(token);
  if (!claims) return null;
  if (await isAccessTokenRevoked(deps.redis, claims.jti)) return INACTIVE;
  const common = { active: true as const, token_type: 'Bearer', sub: claims.sub, exp: claims.exp, iat: claims.iat, iss: claims.iss, aud: claims.aud, jti: claims.jti };
  if (claims['kind'] === 'service') {
    const account = await deps.models.serviceAccounts.findById(claims.sub, { disabledAt: 1 }).lean();
    if (!account || account.disabledAt) return INACTIVE;
    return { ...common, kind: 'service', client_id: claims.sub, scope: typeof claims['scope'] === 'string' ? claims['scope'] : '', roles: [] };
  }
  const authTime = new Date(1000 * (typeof claims['auth_time'] === 'number' ? claims['auth_time'] : claims.iat));
  const user = await deps.models.users.findById(claims.sub, { state: 1, sessionsValidAfter: 1 }).lean<UserDoc>();
  if (!accountAllows(user, authTime)) return INACTIVE;
  if (typeof claims['sid'] === 'string' && (await sessionRevoked(deps, claims['sid']))) return INACTIVE;
  const roles = stringArray(claims['roles']);
  return { ...common, kind: 'user', scope: scopeOfRoles(roles), roles, sid: claims['sid'], amr: stringArray(claims['amr']) };
}

/** A logged-out (or reuse-revoked) session: every token of the family carries revokedAt. */
async function sessionRevoked(deps: RevocationDeps, familyId: string): Promise<boolean> {
  return (await deps.models.refreshTokens.exists({ familyId, revokedAt: { $ne: null } })) !== null;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const stringArray = (v: JWTPayload[string]) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
