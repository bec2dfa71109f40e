import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DomainError } from '../../../platform/src/errors.js';
import { DUMMY_HASH_PROMISE, verifyPassword } from '../domain/password.js';
import type { IdentityModels, UserDoc } from '../infra/models.js';
import { SIGNING_ALG, type SigningKeys } from '../infra/signing-keys.js';

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** The RFC 6749 section 5.1 success body. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

/** An RFC 6749 section 5.2 error; the edge renders it as `{error, error_description}`. */
export function oauthError(error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type', description: string): DomainError {
  return new DomainError(error === 'invalid_client' ? 'unauthenticated' : 'invalid_argument', error, description, {}, [], 'oauth2');
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Issues access tokens (short-lived ES256 JWTs) and opaque refresh tokens. A refresh
 * token is stored only as its hash, is rotated on every use, and presenting one that
 * was already rotated revokes its whole family: a stolen token that races its owner
 * ends both sessions instead of silently keeping one alive.
 */
export class TokenIssuer {
  constructor(
    private readonly models: IdentityModels,
    private readonly keys: SigningKeys,
    private readonly settings: TokenSettings,
  ) {}

  /** grant_type=password */
  async passwordGrant(username: string, password: string): Promise<TokenResponse> {
    if (!username || !password) throw oauthError('invalid_request', 'username and password are required');
    const user = await this.models.users.findOne({ email: username.trim().toLowerCase() }).lean();
    // Verify against a dummy hash when the user does not exist so timing does not reveal accounts.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok) throw oauthError('invalid_grant', 'invalid username or password');
    return this.issue(user, randomUUID());
  }

  /** grant_type=refresh_token */
  async refreshGrant(refreshToken: string): Promise<TokenResponse> {
    if (!refreshToken) throw oauthError('invalid_request', 'refresh_token is required');
    const now = new Date();
    const hash = hashToken(refreshToken);
    // One atomic claim: of two concurrent uses of the same token, exactly one wins.
    const claimed = await this.models.refreshTokens.findOneAndUpdate(
      { _id: hash, rotatedAt: null, revokedAt: null, expiresAt: { $gt: now } },
      { $set: { rotatedAt: now } },
      { returnDocument: 'after' },
    ).lean();
    if (!claimed) {
      const known = await this.models.refreshTokens.findById(hash).lean();
      if (known?.rotatedAt && !known.revokedAt) {
        await this.models.refreshTokens.updateMany({ familyId: known.familyId, revokedAt: null }, { $set: { revokedAt: now } });
      }
      throw oauthError('invalid_grant', 'refresh token is invalid, expired or revoked');
    }
    const user = await this.models.users.findById(claimed.userId).lean();
    if (!user) throw oauthError('invalid_grant', 'refresh token is invalid, expired or revoked');
    return this.issue(user, claimed.familyId);
  }

  private async issue(user: UserDoc, familyId: string): Promise<TokenResponse> {
    const { kid, key } = this.keys.current();
    const accessToken = await new SignJWT({ roles: user.roles })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'at+jwt' })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(user._id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.settings.accessTokenTtlSeconds}s`)
      .sign(key);
    const refreshToken = randomBytes(32).toString('base64url');
    await this.models.refreshTokens.create({
      _id: hashToken(refreshToken),
      userId: user._id,
      familyId,
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlSeconds * 1000),
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.settings.accessTokenTtlSeconds, refresh_token: refreshToken };
  }
}
