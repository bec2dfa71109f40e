import type { JetStreamClient } from '@nats-io/jetstream';
import { CartAbandoned } from '../../../../gen/shop/cart/v1/events.js';
import { errorMeta, publishEvent } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { CartStore } from '../infra/cart-store.js';
import type { Carts } from './carts.js';

export const CART_ABANDONED_SUBJECT = 'shop.cart.abandoned';
const BATCH = 100;

/**
 * Finds carts with an email that nobody touched for `abandonAfterMs` and were not
 * checked out, and emits shop.cart.abandoned once for each period of inactivity (a
 * later change puts the cart back on watch). Any number of cart processes may run
 * it: each idle cart is claimed by one of them (an atomic Redis script), and the
 * event id (cart + revision) lets JetStream drop a repeat.
 */
export function startAbandonedCartSweeper(o: { store: CartStore; carts: Carts; js: JetStreamClient; logger: Logger; abandonAfterMs: number; intervalMs: number }): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const sweep = async () => {
    const idleSince = Date.now() - o.abandonAfterMs;
    for (const id of await o.store.claimIdle(idleSince, BATCH)) {
      const cart = await o.store.get(id);
      const lastActivity = cart ? Date.parse(cart.updatedAt) : 0;
      if (!cart || cart.state !== 'open' || !cart.email || cart.lines.length === 0 || lastActivity > idleSince) continue;
      try {
        const priced = await o.carts.priceForEvent(cart).catch(() => null);
        const names = new Map(priced?.lines.map((l) => [l.sku, l.productName]) ?? []);
        const event = CartAbandoned.fromPartial({
          cartId: cart.id,
          email: cart.email,
          customerId: cart.customerId ?? '',
          lines: cart.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, productName: names.get(l.sku) ?? '' })),
          subtotal: priced ? { currencyCode: cart.currencyCode, amountMinor: priced.totals.subtotalMinor } : undefined,
          lastActivityTime: new Date(lastActivity),
          occurredAt: new Date(),
        });
        await publishEvent(o.js, { subject: CART_ABANDONED_SUBJECT, id: `cart-abandoned:${cart.id}:${cart.revision}`, type: 'shop.cart.v1.CartAbandoned', data: CartAbandoned.encode(event).finish() });
      } catch (err) {
        o.logger.warn('abandoned-cart event not published; will retry', { cartId: id, ...errorMeta(err) });
        await o.store.unclaim(id, lastActivity);
      }
    }
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((err: unknown) => o.logger.warn('abandoned-cart sweep failed', errorMeta(err)))
      .finally(() => {
        running = null;
      });
  }, o.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
