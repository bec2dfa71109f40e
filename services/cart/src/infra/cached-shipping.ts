import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { Parcel, ShippingOptionQuote, ShippingQuotes } from '../app/ports.js';
import { ExpiringCache } from './expiring-cache.js';

/**
 * Shipping quotes through this replica's cache, keyed by everything a quote depends on
 * (destination, items and weights, currency, subtotal, method), for
 * SHOP_CART_SHIPPING_CACHE_SECONDS: a cart viewed again unchanged asks shipping once.
 * Rate-card changes reach cart views within that time; checkout asks live.
 */
export class CachedShipping implements ShippingQuotes {
  constructor(
    private readonly inner: ShippingQuotes,
    private readonly cache: ExpiringCache<ShippingOptionQuote[]>,
  ) {}

  async quote(parcel: Parcel, methodId = '', ctx?: CallContext): Promise<ShippingOptionQuote[]> {
    const key = JSON.stringify([parcel.destination, parcel.items, parcel.currencyCode, parcel.subtotalMinor, methodId]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const epoch = this.cache.epoch();
    const quotes = await this.inner.quote(parcel, methodId, ctx);
    this.cache.setIfUnchanged(epoch, key, quotes);
    return quotes;
  }
}
