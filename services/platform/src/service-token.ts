import { IdentityServiceService } from '../../../gen/shop/identity/v1/identity_service.js';
import { ConfigError } from './config.js';
import { createServiceClient } from './grpc/client.js';
import type { Permission } from './permissions.js';

/**
 * Mesh credentials: services that call others' internal methods (cart and order
 * asking catalog for prices, inventory for stock...) do so as OAuth2 service
 * accounts, with a client_credentials token from identity, like any other client.
 * No call inside the mesh is trusted because of where it comes from.
 *
 * Each calling service has a fixed client id (`mesh-<service>`) and a secret from
 * `SHOP_<SERVICE>_CLIENT_SECRET`; identity learns the accounts from
 * SHOP_SERVICE_ACCOUNTS, which meshServiceAccounts() builds for the launcher, the
 * test harness and compose from the scopes below.
 */
export const MESH_CLIENT_SCOPES: Record<string, readonly Permission[]> = {
  cart: ['catalog.prices.read'],
  // Checkout: freeze carts, hold and commit stock (and put it back on cancel), take payments, ship.
  order: ['carts.checkout', 'inventory.reservations.write', 'inventory.manage', 'payments.authorise', 'payments.manage', 'fulfilment.manage'],
};

export const meshClientId = (service: string) => `mesh-${service}`;
export const meshSecretEnv = (service: string) => `SHOP_${service.toUpperCase()}_CLIENT_SECRET`;

/** SHOP_SERVICE_ACCOUNTS for identity plus each caller's secret variable, from one secret per caller. */
export function meshServiceAccountsEnv(secrets: Record<string, string>): Record<string, string> {
  const accounts = Object.entries(MESH_CLIENT_SCOPES).map(([service, scopes]) => {
    const clientSecret = secrets[service];
    if (!clientSecret) throw new Error(`no mesh client secret for ${service}`);
    return { clientId: meshClientId(service), name: `${service} service`, clientSecret, scopes };
  });
  const env: Record<string, string> = { SHOP_SERVICE_ACCOUNTS: JSON.stringify(accounts) };
  for (const service of Object.keys(MESH_CLIENT_SCOPES)) env[meshSecretEnv(service)] = secrets[service]!;
  return env;
}

/** Asks identity's token endpoint for a client_credentials token: form body in, OAuth2 JSON out. */
export type TokenRequester = (form: string) => Promise<{ access_token?: unknown; expires_in?: unknown }>;

/**
 * A service account's access token, fetched when first needed and renewed a minute
 * before it expires (at half its life for tokens shorter than two minutes). Concurrent callers
 * share one fetch; a failed fetch is not cached, so the next call tries again.
 */
export class ServiceTokenSource {
  private current: { token: string; renewAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly request: TokenRequester,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    if (this.current && this.now() < this.current.renewAt) return this.current.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async fetch(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.clientId, client_secret: this.clientSecret }).toString();
    const answer = await this.request(form);
    if (typeof answer.access_token !== 'string' || typeof answer.expires_in !== 'number') throw new Error(`token endpoint gave no token for ${this.clientId}`);
    const lifeMs = answer.expires_in * 1000;
    this.current = { token: answer.access_token, renewAt: this.now() + Math.max(lifeMs - 60_000, lifeMs / 2) };
    return answer.access_token;
  }
}

/**
 * The token source of a calling service, asking identity over gRPC. The secret comes
 * from the environment; a missing one is a configuration error at start, not a
 * failure on the first customer request.
 */
export function meshTokenSource(service: string, env: NodeJS.ProcessEnv, identityAddr: string): { source: ServiceTokenSource; close(): void } {
  const secret = env[meshSecretEnv(service)];
  if (!secret) throw new ConfigError(`${meshSecretEnv(service)} is required: ${service} calls other services as the service account ${meshClientId(service)}`);
  const identity = createServiceClient(IdentityServiceService, { name: 'identity', address: identityAddr, idempotent: ['createToken'] });
  const request: TokenRequester = async (form) => {
    const answer = await identity.createToken({ contentType: 'application/x-www-form-urlencoded', data: Buffer.from(form), extensions: [] });
    return JSON.parse(answer.data.toString('utf8')) as { access_token?: unknown; expires_in?: unknown };
  };
  return { source: new ServiceTokenSource(request, meshClientId(service), secret), close: () => identity.close() };
}
