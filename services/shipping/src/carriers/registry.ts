import { z } from 'zod';
import { loadConfig } from '../../../platform/src/config.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { Carrier } from './carrier.js';
import { ManualCarrier } from './manual.js';
import { WebhookCarrier } from './webhook.js';

/**
 * SHOP_SHIPPING_CARRIERS: the webhook carriers, as a JSON array of
 * {"code":"webhook","secrets":["<at least 32 characters>"],"trackingPattern":"^...$"}.
 * Kept out of PlatformConfig, which is handed around and easy to log whole.
 */
export const carrierConfigSchema = z.object({
  shippingCarriers: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
        return z.NEVER;
      }
    })
    .pipe(
      z.array(
        z.object({
          code: z.string().regex(/^[a-z][a-z0-9_]{1,31}$/, 'carrier codes are 2 to 32 of a-z 0-9 _').refine((c) => c !== 'manual', '"manual" is the built-in carrier'),
          secrets: z.array(z.string().min(32, 'webhook secrets need at least 32 characters')).min(1),
          trackingPattern: z.string().optional().refine((p) => p === undefined || isRegExp(p), 'must be a regular expression'),
        }),
      ),
    ),
});

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** The carriers this process can use: manual always, webhook carriers from config. */
export class CarrierRegistry {
  private readonly carriers = new Map<string, Carrier>();

  constructor(carriers: Carrier[]) {
    for (const c of carriers) this.carriers.set(c.code, c);
  }

  static fromEnv(env: NodeJS.ProcessEnv): CarrierRegistry {
    const { shippingCarriers } = loadConfig(carrierConfigSchema, env);
    return new CarrierRegistry([
      new ManualCarrier(),
      ...shippingCarriers.map((c) => new WebhookCarrier({ code: c.code, secrets: c.secrets, trackingPattern: c.trackingPattern ? new RegExp(c.trackingPattern) : undefined })),
    ]);
  }

  get codes(): string[] {
    return [...this.carriers.keys()];
  }

  /** The carrier with this code; 400 naming `field` when there is none. */
  get(code: string, field = 'carrier'): Carrier {
    const carrier = this.carriers.get(code);
    if (!carrier) throw new DomainError('invalid_argument', 'UNKNOWN_CARRIER', `no carrier "${code}" here`, {}, [{ field, description: `must be one of ${this.codes.join(', ')}` }]);
    return carrier;
  }

  /**
   * A push carrier for a webhook path. Unknown codes answer exactly like a bad
   * signature, so the endpoint does not reveal which carriers are configured.
   */
  webhookCarrier(code: string): Carrier & Required<Pick<Carrier, 'parseWebhook'>> {
    const carrier = this.carriers.get(code);
    if (!carrier?.parseWebhook) throw new DomainError('unauthenticated', 'INVALID_WEBHOOK_SIGNATURE', 'missing or invalid x-shop-signature signature');
    return carrier as Carrier & Required<Pick<Carrier, 'parseWebhook'>>;
  }
}
