import { z } from 'zod';
import { ConfigError, loadConfig, platformConfigSchema } from '../../platform/src/config.js';

/**
 * The payment service's own settings (SHOP_PAYMENT_*, SHOP_STRIPE_*). Secrets are
 * read here and handed only to the provider adapters: they are not part of the
 * PlatformConfig every service gets and may log.
 */
export const paymentSettingsSchema = z.object({
  env: platformConfigSchema.shape.env,
  /** manual: authorise at checkout, capture at shipment; immediate: capture at once. */
  paymentCapture: z.enum(['manual', 'immediate']).default('manual'),
  /** The sandbox provider (tok_test_*); refused in production. */
  paymentTestProvider: z.enum(['true', 'false']).default('false'),
  /** Secret the sandbox's webhooks are signed with (Stripe's scheme). */
  paymentTestWebhookSecret: z.string().min(16).optional(),
  /** The manual provider (bank transfer, cash on delivery). */
  paymentManualProvider: z.enum(['true', 'false']).default('true'),
  stripeSecretKey: z.string().regex(/^(sk|rk)_(test|live)_\S+$/, 'must be a Stripe secret key (sk_test_..., sk_live_...)').optional(),
  stripeWebhookSecret: z.string().min(8).optional(),
  /** Another Stripe API base, e.g. stripe-mock; empty: Stripe itself. */
  stripeApiUrl: z.string().url().optional(),
  paypalClientId: z.string().min(1).optional(),
  paypalClientSecret: z.string().min(1).optional(),
  paypalEnvironment: z.enum(['sandbox', 'production']).default('sandbox'),
  /** The id PayPal gave the webhook subscription; webhooks are verified against it. */
  paypalWebhookId: z.string().min(1).optional(),
  /** A stand-in for PayPal's API (tests): an HTTP endpoint the SDK's requests are sent through. */
  paypalApiUrl: z.string().url().optional(),
  /** Rates older than this are refused for conversion (default one day). */
  fxMaxAgeSeconds: z.coerce.number().int().min(60).max(30 * 86400).default(86400),
  /** How long an operation's claim on a payment lasts before another may take over. */
  paymentOperationLeaseSeconds: z.coerce.number().int().min(5).max(3600).default(60),
});

export type PaymentSettings = z.infer<typeof paymentSettingsSchema>;

/** Loads and cross-checks the settings; fails the start rather than run half-configured. */
export function loadPaymentSettings(env: NodeJS.ProcessEnv): PaymentSettings {
  const s = loadConfig(paymentSettingsSchema, env);
  if (s.paymentTestProvider === 'true' && s.env === 'production') {
    throw new ConfigError('invalid configuration: SHOP_PAYMENT_TEST_PROVIDER: the sandbox provider is never enabled in production');
  }
  if (s.paymentTestProvider === 'true' && !s.paymentTestWebhookSecret) {
    throw new ConfigError('invalid configuration: SHOP_PAYMENT_TEST_WEBHOOK_SECRET: required with SHOP_PAYMENT_TEST_PROVIDER=true');
  }
  if (s.stripeSecretKey && !s.stripeWebhookSecret) throw new ConfigError('invalid configuration: SHOP_STRIPE_WEBHOOK_SECRET: required with SHOP_STRIPE_SECRET_KEY');
  if (s.env === 'production' && s.stripeSecretKey?.includes('_test_') === false && s.stripeApiUrl) {
    throw new ConfigError('invalid configuration: SHOP_STRIPE_API_URL: a live key must talk to Stripe itself');
  }
  if (Boolean(s.paypalClientId) !== Boolean(s.paypalClientSecret)) {
    throw new ConfigError('invalid configuration: SHOP_PAYPAL_CLIENT_ID and SHOP_PAYPAL_CLIENT_SECRET: set both or neither');
  }
  if (s.env === 'production' && s.paypalApiUrl) throw new ConfigError('invalid configuration: SHOP_PAYPAL_API_URL: only for tests, never in production');
  return s;
}
