import { z } from 'zod';
import { configuredServiceAccountsSchema } from './service-accounts.js';

/** The services' TokenVerifier waits this long between JWKS refetches (platform auth.ts). */
export const VERIFIER_REFETCH_SECONDS = 5;

/**
 * Settings of the token endpoint, its abuse protection and signing key rotation
 * (SHOP_* variables, merged into identity's config schema in service.ts).
 */
export const tokenSettingsShape = {
  /** Consecutive failed sign-ins that lock an account. */
  lockoutThreshold: z.coerce.number().int().min(1).max(100).default(5),
  /** The first lockout; each next one lasts twice as long. */
  lockoutBaseSeconds: z.coerce.number().int().min(1).default(60),
  lockoutMaxSeconds: z.coerce.number().int().min(1).default(3600),
  loginRatePerIp: z.coerce.number().int().min(1).default(30),
  loginRatePerAccount: z.coerce.number().int().min(1).default(10),
  refreshRatePerIp: z.coerce.number().int().min(1).default(60),
  refreshRatePerAccount: z.coerce.number().int().min(1).default(30),
  /** Days between scheduled key rotations; 0 turns the schedule off. */
  signingKeyRotationDays: z.coerce.number().min(0).default(30),
  /**
   * How long a new key is published before it signs. Must exceed every verifier's JWKS
   * cache: Envoy's jwksCacheSeconds (120 by default, plus a failed fetch's retry) and
   * the services' refetch pause, or a fresh token could name a kid a verifier lacks.
   */
  signingKeyPublishDelaySeconds: z.coerce.number().int().min(VERIFIER_REFETCH_SECONDS + 1).default(300),
  /** How often each process re-reads the keys; must be shorter than the publish delay. */
  signingKeyRefreshSeconds: z.coerce.number().int().min(1).default(30),
  /** Service accounts for internal callers, as a JSON array (see app/service-accounts.ts). */
  serviceAccounts: configuredServiceAccountsSchema.optional(),
};

const tokenSettingsSchema = z.object(tokenSettingsShape);
export type TokenEndpointSettings = z.infer<typeof tokenSettingsSchema>;

/**
 * Checks what one field cannot: a key must be known to every identity process before
 * it signs, and lockouts must fit their cap. Throws naming the variables.
 */
export function assertTokenSettings(s: TokenEndpointSettings): void {
  if (s.signingKeyRefreshSeconds >= s.signingKeyPublishDelaySeconds) {
    throw new Error('SHOP_SIGNING_KEY_REFRESH_SECONDS must be shorter than SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS');
  }
  if (s.lockoutBaseSeconds > s.lockoutMaxSeconds) throw new Error('SHOP_LOCKOUT_BASE_SECONDS must not exceed SHOP_LOCKOUT_MAX_SECONDS');
}
