import { z } from 'zod';
import { IdentityServiceService } from '../../../gen/shop/identity/v1/identity_service.js';
import { AUTHENTICATED, PUBLIC } from '../../platform/src/auth.js';
import { loadConfig } from '../../platform/src/config.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { defineService } from '../../platform/src/grpc/server.js';
import type { ServiceModule } from '../../platform/src/runtime.js';
import { identityHandlers } from './api/handlers.js';
import { TokenIssuer } from './app/tokens.js';
import { ensureAdmin } from './app/users.js';
import { identityModels } from './infra/models.js';
import { SigningKeys } from './infra/signing-keys.js';

/** Identity's own settings (SHOP_* variables). */
export const identityConfigSchema = z.object({
  accessTokenTtlSeconds: z.coerce.number().int().min(60).max(3600).default(900),
  refreshTokenTtlSeconds: z.coerce.number().int().min(3600).default(30 * 24 * 3600),
  /** The first admin, created at start if missing (npm start sets documented defaults). */
  seedAdminEmail: z.string().email().optional(),
  seedAdminPassword: z.string().min(10, 'must be at least 10 characters').optional(),
});

/** Identity: accounts, OAuth2 tokens and the signing keys everyone verifies against. */
export const identityService: ServiceModule = {
  name: 'identity',
  streams: [domainStream('identity')],
  address: (config) => config.identityAddr,
  async start({ config, logger, db, nats, env }) {
    const own = loadConfig(identityConfigSchema, env);
    const models = identityModels(db);
    await models.users.createIndexes();
    const keys = new SigningKeys(models);
    await keys.load();
    if (own.seedAdminEmail && own.seedAdminPassword) await ensureAdmin(models, own.seedAdminEmail, own.seedAdminPassword);
    const tokens = new TokenIssuer(models, keys, {
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      accessTokenTtlSeconds: own.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: own.refreshTokenTtlSeconds,
    });
    const relay = startOutboxRelay({ js: nats.js, models: [models.users], logger });
    return {
      registration: defineService({
        definition: IdentityServiceService,
        handlers: identityHandlers(models, tokens, keys, () => relay.kick()),
        access: { createUser: PUBLIC, getCurrentUser: AUTHENTICATED, createToken: PUBLIC, getJwks: PUBLIC },
      }),
      stop: () => relay.stop(),
    };
  },
};
