import type { HttpBody } from '../../../../gen/google/api/httpbody.js';
import type { IdentityServiceService, User } from '../../../../gen/shop/identity/v1/identity_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import { oauthError, type TokenIssuer } from '../app/tokens.js';
import { registerUser } from '../app/users.js';
import type { IdentityModels, UserDoc } from '../infra/models.js';
import type { SigningKeys } from '../infra/signing-keys.js';

export function toUserMessage(doc: UserDoc): User {
  return {
    id: doc._id,
    email: doc.email,
    displayName: doc.displayName,
    roles: doc.roles,
    emailVerified: doc.emailVerified,
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}

const json = (value: unknown): HttpBody => ({ contentType: 'application/json', data: Buffer.from(JSON.stringify(value)), extensions: [] });

/** Parses the token request body: form-encoded per RFC 6749, or JSON for convenience. */
export function parseTokenRequest(body: HttpBody): Record<string, string> {
  const type = body.contentType.split(';')[0]!.trim().toLowerCase();
  const text = Buffer.from(body.data).toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw oauthError('invalid_request', 'body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw oauthError('invalid_request', 'body must be a JSON object');
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }
  throw oauthError('invalid_request', 'content type must be application/x-www-form-urlencoded or application/json');
}

/** The IdentityService handlers: proto mapping only, rules live in app/ and domain/. */
export function identityHandlers(
  models: IdentityModels,
  tokens: TokenIssuer,
  keys: SigningKeys,
  /** Called after a write that stored an event, so the outbox relay publishes it now. */
  onWrite: () => void,
): ServiceHandlers<typeof IdentityServiceService> {
  return {
    async createUser(req) {
      const user = toUserMessage(await registerUser(models, req));
      onWrite();
      return user;
    },

    async getCurrentUser(_req, ctx) {
      const user = await models.users.findById(ctx.caller!.userId).lean();
      if (!user) throw new DomainError('not_found', 'USER_NOT_FOUND', 'the account of this token no longer exists');
      return toUserMessage(user);
    },

    async createToken(body) {
      const params = parseTokenRequest(body);
      switch (params['grant_type']) {
        case 'password':
          return json(await tokens.passwordGrant(params['username'] ?? '', params['password'] ?? ''));
        case 'refresh_token':
          return json(await tokens.refreshGrant(params['refresh_token'] ?? ''));
        case undefined:
        case '':
          throw oauthError('invalid_request', 'grant_type is required');
        default:
          throw oauthError('unsupported_grant_type', 'grant_type must be password or refresh_token');
      }
    },

    async getJwks() {
      return json(await keys.jwks());
    },
  };
}
