import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { ACCESS_TOKEN_ALGORITHMS, ACCESS_TOKEN_TYPE } from '../../../platform/src/auth.js';
import { DomainError } from '../../../platform/src/errors.js';
import { permissionsOf } from '../../../platform/src/permissions.js';
import type { IdentityModels, RefreshTokenDoc, ServiceAccountDoc, UserDoc } from '../infra/models.js';
import { SIGNING_ALG, type SigningKeys } from '../infra/signing-keys.js';

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Whether admins must sign in with a second factor to act as staff. */
  mfaRequiredForAdmin: boolean;
}

/** The RFC 6749 section 5.1 success body, with our one extension. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  /** Absent for client_credentials (RFC 6749 section 4.4.3). */
  refresh_token?: string;
  /** The granted scope, when it is not what was asked for or there are scopes at all. */
  scope?: string;
  /**
   * The session is restricted until the admin enrols MFA (SHOP_MFA_REQUIRED_FOR_ADMIN):
   * its tokens carry no staff role, so they can only enrol a second factor and sign in again.
   */
  mfa_enrollment_required?: true;
}

/** RFC 6749 section 5.2 error codes we answer with, plus `mfa_required` (a second factor is needed). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'
  | 'mfa_required';

/** An RFC 6749 section 5.2 error; the edge renders it as `{error, error_description}`. */
export function oauthError(error: OAuthErrorCode, description: string): DomainError {
  return new DomainError(error === 'invalid_client' ? 'unauthenticated' : 'invalid_argument', error, description, {}, [], 'oauth2');
}

/**
 * Too many attempts: HTTP 429 with the OAuth error body. RFC 6749 has no code for it;
 * `temporarily_unavailable` is the registered one closest in meaning. The edge turns
 * `retry_after_seconds` (the platform rate limiter's metadata key) into Retry-After.
 */
export function oauthRateLimited(retryAfterSeconds: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new DomainError('resource_exhausted', 'temporarily_unavailable', `too many attempts; try again in ${seconds} s`, { retry_after_seconds: String(seconds) }, [], 'oauth2');
}

/** The one answer to every failed sign-in, whatever the reason (unknown email, wrong password, locked, disabled). */
export const invalidCredentials = () => oauthError('invalid_grant', 'invalid username or password');

/** The one answer to every unusable refresh token. */
export const invalidRefreshToken = () => oauthError('invalid_grant', 'refresh token is invalid, expired or revoked');

/** Refresh tokens are stored (and looked up) only as this hash. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** RFC 8176 authentication method references. */
export const AMR_PASSWORD = ['pwd'] as const;
/** Password and a TOTP or recovery code; "mfa" is what the platform's Caller.mfa reads. */
export const AMR_PASSWORD_OTP = ['pwd', 'otp', 'mfa'] as const;

/** What a refresh token family remembers about how its session began. */
export interface SessionFacts {
  familyId: string;
  authTime: Date;
  amr: readonly string[];
}

/** The facts of a stored refresh token; tokens from before amr/authTime were recorded count as password sessions. */
export function sessionOf(doc: RefreshTokenDoc): SessionFacts {
  return { familyId: doc.familyId, authTime: doc.authTime ?? doc.createdAt, amr: doc.amr ?? [...AMR_PASSWORD] };
}

/** A role that grants any permission is a staff role. */
export const isStaffRole = (role: string) => permissionsOf([role], []).size > 0;

/**
 * The roles a session's tokens carry. With MFA mandatory for admins, an admin who
 * signed in without a second factor gets none of their staff roles: enough to enrol
 * MFA (a SELF method), nothing more.
 */
export function sessionRoles(user: Pick<UserDoc, 'roles'>, amr: readonly string[], mfaRequiredForAdmin: boolean): { roles: string[]; restricted: boolean } {
  const restricted = mfaRequiredForAdmin && user.roles.includes('admin') && !amr.includes('otp');
  return { roles: restricted ? user.roles.filter((r) => !isStaffRole(r)) : [...user.roles], restricted };
}

/**
 * Mints access tokens (short-lived ES256 JWTs, RFC 9068 `at+jwt`) and opaque refresh
 * tokens. A refresh token is stored only as its hash; rotation and reuse detection
 * live in the refresh grant (token-grants.ts).
 */
export class TokenIssuer {
  constructor(
    private readonly models: IdentityModels,
    private readonly keys: SigningKeys,
    private readonly settings: TokenSettings,
  ) {}

  /** An access token and a new refresh token of the session `session`. */
  async issueForUser(user: UserDoc, session: SessionFacts): Promise<TokenResponse> {
    const { roles, restricted } = sessionRoles(user, session.amr, this.settings.mfaRequiredForAdmin);
    const accessToken = await this.sign(user._id, {
      kind: 'user',
      roles,
      amr: [...session.amr],
      sid: session.familyId,
      auth_time: Math.floor(session.authTime.getTime() / 1000),
      // The pricing group rides in the token so carts price without asking identity.
      ...(user.customerGroup ? { grp: user.customerGroup } : {}),
    });
    const refreshToken = randomBytes(32).toString('base64url');
    await this.models.refreshTokens.create({
      _id: hashToken(refreshToken),
      userId: user._id,
      familyId: session.familyId,
      authTime: session.authTime,
      amr: [...session.amr],
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlSeconds * 1000),
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.settings.accessTokenTtlSeconds,
      refresh_token: refreshToken,
      ...(restricted ? { mfa_enrollment_required: true as const } : {}),
    };
  }

  /** An access token for a service account with `scopes` (a subset of its grants); no refresh token. */
  async issueForService(account: Pick<ServiceAccountDoc, '_id'>, scopes: readonly string[]): Promise<TokenResponse> {
    const scope = scopes.join(' ');
    const accessToken = await this.sign(account._id, { kind: 'service', client_id: account._id, scope });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.settings.accessTokenTtlSeconds, scope };
  }

  /**
   * Verifies one of our own access tokens exactly as the platform's verifier does
   * (pinned algorithm, type, issuer, audience, expiry), against the keys published
   * now. Null when it is not a valid access token.
   */
  async verifyAccessToken(token: string): Promise<(JWTPayload & { sub: string; jti: string; exp: number; iat: number }) | null> {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(await this.keys.jwks()), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      return payload as JWTPayload & { sub: string; jti: string; exp: number; iat: number };
    } catch {
      return null;
    }
  }

  private async sign(subject: string, claims: Record<string, unknown>): Promise<string> {
    const { kid, key } = await this.keys.current();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(subject)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.settings.accessTokenTtlSeconds}s`)
      .sign(key);
  }
}
