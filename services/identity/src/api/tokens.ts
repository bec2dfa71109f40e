import type { HttpBody } from '../../../../gen/google/api/httpbody.js';
import { DomainError } from '../../../platform/src/errors.js';
import { PERMISSIONS } from '../../../platform/src/permissions.js';
import { RateLimiter } from '../../../platform/src/rate-limit.js';
import type { IdentityDeps } from '../app/deps.js';
import { LoginThrottle } from '../app/login-throttle.js';
import { createServiceAccount, authenticateClient, clientCredentialsOf } from '../app/service-accounts.js';
import { rotateSigningKey } from '../app/signing-key-rotation.js';
import { clientCredentialsGrant, passwordGrant, refreshGrant, type GrantDeps } from '../app/token-grants.js';
import { introspectToken, revokeToken, tokenParams } from '../app/token-revocation.js';
import { oauthError } from '../app/tokens.js';
import { SIGNING_ALG } from '../infra/signing-keys.js';
import type { IdentityHandlers } from './handlers.js';
import { jsonBody } from './mapping.js';

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

export const GRANT_TYPES = ['password', 'refresh_token', 'client_credentials'] as const;

/**
 * The OpenID Provider metadata (OpenID Connect Discovery 1.0 section 3, RFC 8414),
 * every URL derived from the issuer, which is the public edge URL. There is no
 * authorization endpoint (no browser redirect flows), hence response type "none".
 */
export function openidConfiguration(issuer: string): Record<string, unknown> {
  const base = issuer.replace(/\/+$/, '');
  return {
    issuer,
    jwks_uri: `${base}/.well-known/jwks.json`,
    token_endpoint: `${base}/v1/oauth/token`,
    revocation_endpoint: `${base}/v1/oauth/revoke`,
    introspection_endpoint: `${base}/v1/oauth/introspect`,
    grant_types_supported: [...GRANT_TYPES],
    response_types_supported: ['none'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    // RFC 7662 leaves the protection of introspection open: here, a bearer token with tokens.introspect.
    introspection_endpoint_auth_methods_supported: ['bearer'],
    scopes_supported: [...PERMISSIONS],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'auth_time', 'amr', 'sid', 'kind', 'roles', 'scope', 'client_id'],
    amr_values_supported: ['pwd', 'otp', 'mfa'],
  };
}

/** An empty 200 (RFC 7009 section 2.2: the body of a revocation answer is ignored). */
const emptyBody = (): HttpBody => ({ contentType: 'application/json', data: Buffer.alloc(0), extensions: [] });

/** OAuth2 endpoints, discovery, keys and service accounts. */
export function tokenHandlers(deps: IdentityDeps): IdentityHandlers<
  'createToken' | 'revokeToken' | 'introspectToken' | 'getJwks' | 'getOpenidConfiguration' | 'rotateSigningKey' | 'createServiceAccount'
> {
  const { settings } = deps;
  const grants: GrantDeps = {
    ...deps,
    throttle: new LoginThrottle(new RateLimiter(deps.redis), {
      passwordPerIpPerMinute: settings.loginRatePerIp,
      passwordPerAccountPerMinute: settings.loginRatePerAccount,
      refreshPerIpPerMinute: settings.refreshRatePerIp,
      refreshPerAccountPerMinute: settings.refreshRatePerAccount,
    }),
    lockout: { threshold: settings.lockoutThreshold, baseSeconds: settings.lockoutBaseSeconds, maxSeconds: settings.lockoutMaxSeconds },
  };
  const authorizationOf = (metadata: { get(key: string): unknown[] }) => {
    const value = metadata.get('authorization')[0];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    async createToken(body, ctx) {
      const params = parseOAuthBody(body);
      switch (params['grant_type']) {
        case 'password':
          return jsonBody(await passwordGrant(grants, params, ctx));
        case 'refresh_token':
          return jsonBody(await refreshGrant(grants, params, ctx));
        case 'client_credentials':
          return jsonBody(await clientCredentialsGrant(grants, params, ctx));
        case undefined:
        case '':
          throw oauthError('invalid_request', 'grant_type is required');
        default:
          throw oauthError('unsupported_grant_type', `grant_type must be one of ${GRANT_TYPES.join(', ')}`);
      }
    },
    async revokeToken(body, ctx) {
      const params = parseOAuthBody(body);
      // A confidential client that authenticates must do so correctly (RFC 7009 section 2.1);
      // public clients (web and mobile apps) revoke by possession of the token.
      const credentials = clientCredentialsOf(authorizationOf(ctx.metadata), params);
      if (credentials) await authenticateClient(deps.models, credentials);
      const { token, hint } = tokenParams(params);
      await revokeToken(deps, token, hint);
      return emptyBody();
    },
    async introspectToken(body) {
      const { token, hint } = tokenParams(parseOAuthBody(body));
      return jsonBody(await introspectToken(deps, token, hint));
    },
    async getJwks() {
      return jsonBody(await deps.keys.jwks());
    },
    async getOpenidConfiguration() {
      return jsonBody(openidConfiguration(settings.issuer));
    },
    async rotateSigningKey(_req, ctx) {
      const key = await rotateSigningKey(deps, ctx);
      return { kid: key._id, algorithm: key.alg, createTime: key.createdAt };
    },
    async createServiceAccount(req, ctx) {
      const caller = ctx.caller;
      if (!caller) throw new DomainError('unauthenticated', 'TOKEN_REQUIRED', 'this method needs a bearer access token');
      const { account, clientSecret } = await createServiceAccount(deps.models, { name: req.name, scopes: req.scopes }, { id: caller.userId, permissions: caller.permissions }, ctx);
      deps.onWrite();
      return { clientId: account._id, clientSecret, name: account.name, scopes: account.scopes, createTime: account.createdAt };
    },
  };
}
