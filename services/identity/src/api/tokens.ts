import type { HttpBody } from '../../../../gen/google/api/httpbody.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { IdentityDeps } from '../app/deps.js';
import { oauthError } from '../app/tokens.js';
import type { IdentityHandlers } from './handlers.js';
import { jsonBody } from './mapping.js';

const pending = (): never => { throw new DomainError('unavailable', 'NOT_BUILT_YET', 'not built yet'); };

/** Parses an OAuth2 request body: form-encoded per RFC 6749, or JSON for convenience. */
export function parseOAuthBody(body: HttpBody): Record<string, string> {
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

/** OAuth2 endpoints, discovery, keys and service accounts. */
export function tokenHandlers(deps: IdentityDeps): IdentityHandlers<
  'createToken' | 'revokeToken' | 'introspectToken' | 'getJwks' | 'getOpenidConfiguration' | 'rotateSigningKey' | 'createServiceAccount'
> {
  const { tokens, keys } = deps;
  return {
    async createToken(body) {
      const params = parseOAuthBody(body);
      switch (params['grant_type']) {
        case 'password':
          return jsonBody(await tokens.passwordGrant(params['username'] ?? '', params['password'] ?? ''));
        case 'refresh_token':
          return jsonBody(await tokens.refreshGrant(params['refresh_token'] ?? ''));
        case undefined:
        case '':
          throw oauthError('invalid_request', 'grant_type is required');
        default:
          throw oauthError('unsupported_grant_type', 'grant_type must be password, refresh_token or client_credentials');
      }
    },
    async getJwks() {
      return jsonBody(await keys.jwks());
    },
    revokeToken: pending,
    introspectToken: pending,
    getOpenidConfiguration: pending,
    rotateSigningKey: pending,
    createServiceAccount: pending,
  };
}
