import type { ShippingServiceService } from '../../../../gen/shop/shipping/v1/shipping_service.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { Parcel, ShippingOptionQuote, ShippingQuotes } from '../app/ports.js';

/** Shipping quotes from the shipping service (a public method: no account needed). */
export class ShippingGateway implements ShippingQuotes {
  constructor(private readonly shipping: ServiceClient<typeof ShippingServiceService>) {}

  async quote(parcel: Parcel, methodId = '', ctx?: CallContext): Promise<ShippingOptionQuote[]> {
    const { quotes } = await this.shipping.quoteShipping({
      destination: parcel.destination,
      items: parcel.items.map((i) => ({ sku: i.sku, quantity: i.quantity, weightGrams: i.weightGrams, lengthMm: 0, widthMm: 0, heightMm: 0 })),
      subtotal: { currencyCode: parcel.currencyCode, amountMinor: parcel.subtotalMinor },
      methodId,
    }, { ctx, token: '' });
    return quotes.map((q) => ({
      methodId: q.methodId,
      name: q.name,
      priceMinor: q.price?.amountMinor ?? 0,
      free: q.free,
      minBusinessDays: q.minBusinessDays,
      maxBusinessDays: q.maxBusinessDays,
    }));
  }
}
