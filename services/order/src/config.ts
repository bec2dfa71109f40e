import { z } from 'zod';

/** The order service's own settings (SHOP_ORDER_*). */
export const orderConfigSchema = z.object({
  /** How long a checkout's driver owns it before the recovery sweeper may take over. */
  orderCheckoutLeaseMs: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How often to look for checkouts whose driver went away. */
  orderRecoveryIntervalMs: z.coerce.number().int().min(200).max(600_000).default(5_000),
  /** How long stock is held for a checkout (the payment may wait for the customer). */
  orderReservationSeconds: z.coerce.number().int().min(60).max(86_400).default(1800),
  /** Test only: kill the process right after this checkout step is written (crash-recovery tests). */
  orderTestCrashAfterStep: z.enum(['priced', 'reserved', 'authorised']).optional(),
});
