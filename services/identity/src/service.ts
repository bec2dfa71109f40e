import { z } from 'zod';
import { IdentityServiceService } from '../../../gen/shop/identity/v1/identity_service.js';
import { PUBLIC, SELF, requires } from '../../platform/src/auth.js';
import { loadConfig } from '../../platform/src/config.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { connectRedis } from '../../platform/src/redis.js';
import { defineService } from '../../platform/src/runtime.js';
import { accountHandlers } from './api/account.js';
import { addressHandlers } from './api/addresses.js';
import { mfaHandlers } from './api/mfa.js';
import { staffHandlers } from './api/staff.js';
import { tokenHandlers } from './api/tokens.js';
import type { IdentityDeps } from './app/deps.js';
import { finishPendingErasures } from './app/erasure.js';
import { accountSettingsShape } from './app/limits.js';
import { upsertConfiguredServiceAccounts } from './app/service-accounts.js';
import { startKeyMaintenance } from './app/signing-key-rotation.js';
import { assertTokenSettings, tokenSettingsShape } from './app/token-settings.js';
import { TokenIssuer } from './app/tokens.js';
import { ensureAdmin } from './app/users.js';
import { identityModels } from './infra/models.js';
import { SigningKeys } from './infra/signing-keys.js';

/** Identity's own settings (SHOP_* variables). */
export const identityConfigSchema = z.object({
  accessTokenTtlSeconds: z.coerce.number().int().min(60).max(3600).default(900),
  refreshTokenTtlSeconds: z.coerce.number().int().min(3600).default(30 * 24 * 3600),
  verificationTokenTtlSeconds: z.coerce.number().int().min(300).default(48 * 3600),
  resetTokenTtlSeconds: z.coerce.number().int().min(300).max(24 * 3600).default(3600),
  mfaRequiredForAdmin: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** The first admin, created at start if missing (npm start sets documented defaults). */
  seedAdminEmail: z.string().email().optional(),
  seedAdminPassword: z.string().min(10, 'must be at least 10 characters').optional(),
  ...tokenSettingsShape,
  ...accountSettingsShape,
});

/** Identity: accounts, OAuth2 tokens and the signing keys everyone verifies against. */
export const identityService = defineService({
  name: 'identity',
  definition: IdentityServiceService,
  access: {
    createUser: PUBLIC,
    getCurrentUser: SELF,
    updateCurrentUser: SELF,
    deleteCurrentUser: SELF,
    changePassword: SELF,
    sendVerificationEmail: SELF,
    verifyEmail: PUBLIC,
    createPasswordReset: PUBLIC,
    confirmPasswordReset: PUBLIC,
    listAddresses: SELF,
    createAddress: SELF,
    updateAddress: SELF,
    deleteAddress: SELF,
    enrollMfa: SELF,
    confirmMfa: SELF,
    disableMfa: SELF,
    createToken: PUBLIC,
    revokeToken: PUBLIC,
    introspectToken: requires('tokens.introspect'),
    getJwks: PUBLIC,
    getOpenidConfiguration: PUBLIC,
    rotateSigningKey: requires('keys.rotate'),
    listUsers: requires('users.read'),
    getUser: requires('users.read'),
    updateUser: requires('users.manage'),
    disableUser: requires('users.manage'),
    enableUser: requires('users.manage'),
    createServiceAccount: requires('users.manage'),
  },
  streams: [domainStream('identity')],
  address: (config) => config.identityAddr,
  async start({ config, logger, db, nats, env, fieldCipher }) {
    const own = loadConfig(identityConfigSchema, env);
    const models = identityModels(db);
    await models.users.createIndexes();
    // Private signing keys are encrypted at rest; only a development process without
    // field keys (production refuses to start without them) stores them in clear.
    const keys = new SigningKeys(models.signingKeys, fieldCipher.activeKeyId ? fieldCipher : null);
    await keys.load();
    if (own.seedAdminEmail && own.seedAdminPassword) await ensureAdmin(models, own.seedAdminEmail, own.seedAdminPassword);
    const settings = { ...own, issuer: config.jwtIssuer, audience: config.jwtAudience };
    assertTokenSettings(settings);
    if (own.serviceAccounts) await upsertConfiguredServiceAccounts(models, own.serviceAccounts);
    const tokens = new TokenIssuer(models, keys, settings);
    const relay = startOutboxRelay({ js: nats.js, models: [models.users, models.signingKeys, models.serviceAccounts], logger });
    const redis = await connectRedis(config.redisUrl);
    const deps: IdentityDeps = { models, keys, tokens, crypto: fieldCipher, redis, nats, logger, settings, onWrite: () => relay.kick() };
    const keyMaintenance = startKeyMaintenance({ keys, settings, logger, onWrite: deps.onWrite });
    const erasures = await finishPendingErasures(deps);
    if (erasures > 0) logger.warn('finished account erasures a restart interrupted', { count: erasures });
    return {
      handlers: { ...accountHandlers(deps), ...addressHandlers(deps), ...tokenHandlers(deps), ...mfaHandlers(deps), ...staffHandlers(deps) },
      stop: async () => {
        await keyMaintenance.stop();
        await relay.stop();
        redis.disconnect();
      },
    };
  },
});
