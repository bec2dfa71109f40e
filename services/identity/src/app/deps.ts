import type { Redis } from 'ioredis';
import type { Logger } from '../../../platform/src/logger.js';
import type { NatsHandles } from '../../../platform/src/events/index.js';
import type { IdentityModels } from '../infra/models.js';
import type { SigningKeys } from '../infra/signing-keys.js';
import type { AccountSettings } from './limits.js';
import type { TokenEndpointSettings } from './token-settings.js';
import type { TokenIssuer } from './tokens.js';

/**
 * Encrypts personal fields at rest. Implemented by the platform's FieldCipher
 * (AES-256-GCM with a key ring); the AAD binds a value to its record and field.
 */
export interface FieldCrypto {
  encrypt(plaintext: string, aad?: string): string;
  decrypt(value: string, aad?: string): string;
}

/** Identity's own settings, read from SHOP_* variables (see service.ts). */
export interface IdentitySettings extends TokenEndpointSettings, AccountSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** How long email verification and password reset tokens work. */
  verificationTokenTtlSeconds: number;
  resetTokenTtlSeconds: number;
  /** Whether accounts with the admin role must use TOTP to sign in. */
  mfaRequiredForAdmin: boolean;
}

/** Everything identity's use cases share; built once in service.ts. */
export interface IdentityDeps {
  models: IdentityModels;
  keys: SigningKeys;
  tokens: TokenIssuer;
  crypto: FieldCrypto;
  redis: Redis;
  nats: NatsHandles;
  logger: Logger;
  settings: IdentitySettings;
  /** Call after a write that stored an outbox event, so the relay publishes it now. */
  onWrite: () => void;
}
