import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DomainError } from './errors.js';
import { isPermission, permissionsOf, type Permission } from './permissions.js';

/**
 * Who is calling, as proven by a verified access token. A handler decides with
 * `permissions` (never with `roles`, which are only how a user got them) and, for the
 * caller's own resources, with `userId`.
 */
export interface Caller {
  /**
   * `user`: a person signed in (customer or staff). `service`: a service account
   * (OAuth2 client_credentials), which acts for no user and has no roles.
   */
  kind: 'user' | 'service';
  /** The token's `sub`: the user's id, or a service account's client id. */
  userId: string;
  /** A user's roles as identity assigned them; always empty for a service. */
  roles: readonly string[];
  /** The token's space-separated `scope` claim, split. */
  scopes: readonly string[];
  /**
   * What the caller may do: a user's from their roles, a service's from its scopes.
   * Scopes on a user token never add permissions, so a scope a client asked for at
   * login can never lift a customer into staff.
   */
  permissions: ReadonlySet<Permission>;
  /** The token's `jti`; names this token in audit events and revocation lists. */
  tokenId: string;
  /** The token's `sid` (identity's refresh-token family), when the token has one. */
  sessionId?: string;
  /** True when `amr` says the user passed a second factor (RFC 8176 "mfa"). */
  mfa: boolean;
  /** A customer's pricing group (the `grp` claim), when identity put them in one. */
  customerGroup?: string;
  /** The raw bearer token, forwarded to downstream services on behalf of the caller. */
  token: string;
}

/**
 * Which callers may use a method; every method of every service declares one, in the
 * service's static access table.
 * - `public`: anyone, with or without a token (a token that is sent must be valid).
 * - `authenticated`: any valid token, user or service.
 * - `permission`: a caller (user or service) holding this permission.
 * - `self`: a signed-in user acting on their own resources (`/v1/users/me/...`);
 *   service accounts are refused, they have no "own" resources. The interceptor only
 *   proves who the user is: the handler must scope every read and write to
 *   `selfUserId(ctx)`, never to an id taken from the request.
 */
export type AccessRule =
  | { readonly public: true }
  | { readonly authenticated: true }
  | { readonly permission: Permission }
  | { readonly self: true };

export const PUBLIC: AccessRule = Object.freeze({ public: true });
export const AUTHENTICATED: AccessRule = Object.freeze({ authenticated: true });
export const SELF: AccessRule = Object.freeze({ self: true });

/** The rule for a staff or service method: the caller must hold `permission`. */
export function requires(permission: Permission): AccessRule {
  if (!isPermission(permission)) throw new TypeError(`unknown permission ${JSON.stringify(permission)}`);
  return Object.freeze({ permission });
}

/**
 * Checks at start-up that a value is exactly one well-formed rule. The types already
 * demand a rule per method; this catches what types cannot (a rule built from JSON, a
 * cast, a permission renamed in one process of a rolling deploy).
 */
export function isAccessRule(value: unknown): value is AccessRule {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const v = value as Record<string, unknown>;
  if (keys[0] === 'permission') return typeof v['permission'] === 'string' && isPermission(v['permission']);
  return (keys[0] === 'public' || keys[0] === 'authenticated' || keys[0] === 'self') && v[keys[0]] === true;
}

/** A rule in words, for errors, logs and access-table listings. */
export function describeAccessRule(rule: AccessRule): string {
  if ('permission' in rule) return `permission ${rule.permission}`;
  if ('self' in rule) return 'self';
  return 'public' in rule ? 'public' : 'authenticated';
}

/**
 * Applies a rule to a caller: 401 when the rule needs an identity and there is none,
 * 403 when the identity is not enough. Pure, so it is tested without gRPC.
 */
export function checkAccess(rule: AccessRule, caller: Caller | null): void {
  if ('public' in rule) return;
  if (!caller) throw new DomainError('unauthenticated', 'TOKEN_REQUIRED', 'this method needs a bearer access token');
  if ('permission' in rule && !caller.permissions.has(rule.permission)) {
    throw new DomainError('permission_denied', 'PERMISSION_REQUIRED', `this method needs the permission ${rule.permission}`, { permission: rule.permission });
  }
  if ('self' in rule && caller.kind !== 'user') {
    throw new DomainError('permission_denied', 'USER_TOKEN_REQUIRED', 'this method acts on a signed-in user\'s own resources; service accounts cannot call it');
  }
}

/**
 * The signed-in user's id in a handler guarded by SELF (or AUTHENTICATED). Handlers
 * take the user from here, never from the request, which is what keeps one customer
 * out of another's resources.
 */
export function selfUserId(ctx: { caller: Caller | null }): string {
  if (!ctx.caller) throw new DomainError('unauthenticated', 'TOKEN_REQUIRED', 'this method needs a bearer access token');
  if (ctx.caller.kind !== 'user') throw new DomainError('permission_denied', 'USER_TOKEN_REQUIRED', 'this method needs a signed-in user');
  return ctx.caller.userId;
}

/** Whether the caller holds a permission; false for anonymous callers. */
export function hasPermission(caller: Caller | null, permission: Permission): boolean {
  return caller !== null && caller.permissions.has(permission);
}

/** Staff: any caller holding any permission at all (customers hold none). */
export function isStaff(caller: Caller | null): boolean {
  return caller !== null && caller.permissions.size > 0;
}

/** Signing algorithms accepted; pinned so a token cannot choose a weaker one. */
export const ACCESS_TOKEN_ALGORITHMS = ['ES256'];

/** The JWT `typ` header of access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

const VERIFIED_TOKENS_MAX = 10_000;
const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * Verifies access tokens against identity's JWKS. Keys are fetched lazily and
 * refetched (at most every few seconds) when a token names an unknown `kid`, which is
 * how key rotation reaches every service without a restart.
 */
export class TokenVerifier {
  private keySet: JWTVerifyGetKey | null = null;
  private attemptedAt = 0;
  private inflight: Promise<void> | null = null;
  /**
   * Tokens already verified with the current keys, until they expire (at most a
   * minute): an ES256 verification costs ~0.2 ms, and a service account sends the
   * same token on every call for minutes. Emptied when the keys reload, so a key
   * withdrawn from the JWKS stops working as soon as a token makes us refetch.
   */
  private readonly verified = new Map<string, { caller: Caller; until: number }>();

  constructor(
    private readonly fetchJwks: () => Promise<JSONWebKeySet>,
    private readonly issuer: string,
    private readonly audience: string,
    private readonly minRefetchMs = 5_000,
    /** The time source; tests pass a manual clock so refetch spacing is exact. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the caller, or throws UNAUTHENTICATED naming what is wrong with the token. */
  async verify(token: string): Promise<Caller> {
    const known = this.verified.get(token);
    if (known && this.now() < known.until) return { ...known.caller };
    if (known) this.verified.delete(token);
    await this.ensureKeys(false);
    try {
      return await this.verifyWithCurrentKeys(token);
    } catch (err) {
      // An unknown kid may mean the keys rotated since the last fetch.
      if ((err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' && (await this.ensureKeys(true))) {
        return this.verifyWithCurrentKeys(token).catch((e: unknown) => { throw unauthenticated(e); });
      }
      throw unauthenticated(err);
    }
  }

  private async verifyWithCurrentKeys(token: string): Promise<Caller> {
    const { payload } = await jwtVerify(token, this.keySet!, {
      issuer: this.issuer,
      audience: this.audience,
      algorithms: ACCESS_TOKEN_ALGORITHMS,
      // RFC 9068: only access tokens are accepted here, so an ID token or any other JWT
      // identity signs with the same key can never be replayed as one.
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      currentDate: new Date(this.now()),
    });
    const caller = callerFromClaims(payload, token);
    this.remember(token, caller, payload.exp! * 1000);
    return { ...caller };
  }

  private remember(token: string, caller: Caller, expiresAt: number): void {
    // Oldest first out: a Map iterates in insertion order.
    if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { caller, until: Math.min(expiresAt, this.now() + VERIFIED_TOKEN_TTL_MS) });
  }

  /**
   * Loads keys if none are loaded, or reloads when forced and the last attempt is old
   * enough; true if reloaded. Attempts (not only successes) are rate limited, or
   * anyone could make us hammer identity with tokens naming made-up key ids.
   */
  private async ensureKeys(force: boolean): Promise<boolean> {
    if (this.keySet && (!force || this.now() - this.attemptedAt < this.minRefetchMs)) return false;
    if (!this.inflight) {
      this.attemptedAt = this.now();
      this.inflight = this.fetchJwks()
        .then((jwks) => {
          this.keySet = createLocalJWKSet(jwks);
          this.verified.clear();
        })
        .finally(() => {
          this.inflight = null;
        });
    }
    try {
      await this.inflight;
    } catch {
      if (!this.keySet) throw new DomainError('unavailable', 'JWKS_UNAVAILABLE', 'cannot verify tokens right now; try again');
      return false;
    }
    return true;
  }
}

function unauthenticated(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: string }).code;
  const why = code === 'ERR_JWT_EXPIRED' ? 'access token expired' : 'invalid access token';
  return new DomainError('unauthenticated', code === 'ERR_JWT_EXPIRED' ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN', why);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/**
 * Builds the caller from verified claims. The claims identity writes: `kind`
 * ("service" for client_credentials tokens; absent or "user" otherwise), `roles`,
 * `scope` (space-separated), `jti`, `sid`, `amr`. A kind we do not know is refused
 * rather than guessed.
 */
export function callerFromClaims(payload: JWTPayload, token: string): Caller {
  const kindClaim = payload['kind'];
  if (kindClaim !== undefined && kindClaim !== 'user' && kindClaim !== 'service') {
    throw new DomainError('unauthenticated', 'INVALID_TOKEN', 'invalid access token');
  }
  const kind = kindClaim === 'service' ? 'service' : 'user';
  const scopes = typeof payload['scope'] === 'string' ? payload['scope'].split(/\s+/).filter(Boolean) : [];
  // A service account has no roles even if a token claimed some.
  const roles = kind === 'user' ? strings(payload['roles']) : [];
  const caller: Caller = {
    kind,
    userId: payload.sub!,
    roles,
    scopes,
    permissions: kind === 'user' ? permissionsOf(roles, []) : permissionsOf([], scopes),
    tokenId: String(payload.jti),
    mfa: strings(payload['amr']).includes('mfa'),
    token,
  };
  if (typeof payload['sid'] === 'string' && payload['sid'] !== '') caller.sessionId = payload['sid'];
  if (kind === 'user' && typeof payload['grp'] === 'string' && payload['grp'] !== '') caller.customerGroup = payload['grp'];
  return caller;
}
