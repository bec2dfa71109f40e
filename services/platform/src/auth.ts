import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { DomainError } from './errors.js';

/** Who is calling, as proven by a verified access token. */
export interface Caller {
  userId: string;
  roles: string[];
  /** The raw bearer token, forwarded to downstream services on behalf of the caller. */
  token: string;
}

/** Which callers may use a method; every method of every service declares one. */
export type AccessRule = { public: true } | { authenticated: true } | { anyRole: readonly string[] };

export const PUBLIC: AccessRule = { public: true };
export const AUTHENTICATED: AccessRule = { authenticated: true };
export const STAFF: AccessRule = { anyRole: ['admin'] };

/** Roles that see staff-only data (drafts, archived products) on public reads. */
export const STAFF_ROLES = new Set(['admin']);

export function isStaff(caller: Caller | null): boolean {
  return caller !== null && caller.roles.some((r) => STAFF_ROLES.has(r));
}

/** Signing algorithms accepted; pinned so a token cannot choose a weaker one. */
export const ACCESS_TOKEN_ALGORITHMS = ['ES256'];

/**
 * Verifies access tokens against identity's JWKS. Keys are fetched lazily and
 * refetched (at most every few seconds) when a token names an unknown `kid`, which is
 * how key rotation reaches every service without a restart.
 */
export class TokenVerifier {
  private keySet: JWTVerifyGetKey | null = null;
  private attemptedAt = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly fetchJwks: () => Promise<JSONWebKeySet>,
    private readonly issuer: string,
    private readonly audience: string,
    private readonly minRefetchMs = 5_000,
  ) {}

  /** Returns the caller, or throws UNAUTHENTICATED naming what is wrong with the token. */
  async verify(token: string): Promise<Caller> {
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
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : [];
    return { userId: payload.sub!, roles, token };
  }

  /**
   * Loads keys if none are loaded, or reloads when forced and the last attempt is old
   * enough; true if reloaded. Attempts (not only successes) are rate limited, or
   * anyone could make us hammer identity with tokens naming made-up key ids.
   */
  private async ensureKeys(force: boolean): Promise<boolean> {
    if (this.keySet && (!force || Date.now() - this.attemptedAt < this.minRefetchMs)) return false;
    if (!this.inflight) {
      this.attemptedAt = Date.now();
      this.inflight = this.fetchJwks()
        .then((jwks) => {
          this.keySet = createLocalJWKSet(jwks);
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
