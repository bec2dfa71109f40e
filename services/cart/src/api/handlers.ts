import type { CartServiceService, TaxRule } from '../../../../gen/shop/cart/v1/cart_service.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { Carts } from '../app/carts.js';
import type { TaxRules } from '../app/tax-rules.js';
import type { WishlistMethods } from './wishlist-handlers.js';
import { addressPatch, toCartMessage } from './mapping.js';

/** Cart and tax-rule RPCs: proto in, use case, proto out. */
export function cartHandlers(carts: Carts, taxRules: TaxRules): ServiceHandlers<Omit<typeof CartServiceService, WishlistMethods>> {
  return {
    createCart: async (req, ctx) => toCartMessage(await carts.create(req.currencyCode, ctx)),
    getCart: async (req, ctx) => toCartMessage(await carts.get(req.id, ctx)),
    updateCart: async (req, ctx) =>
      toCartMessage(
        await carts.updateDetails(req.id, {
          email: req.email,
          shippingAddress: addressPatch(req.shippingAddress),
          billingAddress: addressPatch(req.billingAddress),
          shippingMethodId: req.shippingMethodId,
          shippingAddressId: req.shippingAddressId || undefined,
          billingAddressId: req.billingAddressId || undefined,
        }, ctx),
      ),
    addLine: async (req, ctx) => toCartMessage(await carts.addLine(req.cartId, { sku: req.sku, quantity: req.quantity, idempotencyKey: req.idempotencyKey }, ctx)),
    updateLine: async (req, ctx) => toCartMessage(await carts.updateLine(req.cartId, req.lineId, req.quantity, ctx)),
    removeLine: async (req, ctx) => toCartMessage(await carts.removeLine(req.cartId, req.lineId, ctx)),
    mergeCart: async (req, ctx) => toCartMessage(await carts.merge(req.id, ctx)),
    listShippingOptions: async (req, ctx) => {
      const cart = await carts.load(req.id, ctx);
      const options = await carts.shippingOptions(req.id, ctx);
      return {
        options: options.map((o) => ({
          methodId: o.methodId, name: o.name, price: { currencyCode: cart.currencyCode, amountMinor: o.priceMinor }, free: o.free,
          minBusinessDays: o.minBusinessDays, maxBusinessDays: o.maxBusinessDays,
        })),
      };
    },
    beginCheckout: async (req) =>
      toCartMessage(await carts.beginCheckout(req.cartId, req.checkoutId, { customerId: req.customerId || null, cartToken: req.cartToken })),
    endCheckout: async (req) => toCartMessage(await carts.endCheckout(req.cartId, req.checkoutId, { completed: req.completed, orderId: req.orderId })),
    createTaxRule: async (req): Promise<TaxRule> => taxRules.create(req.taxRule),
    listTaxRules: async (req) => ({ taxRules: await taxRules.list(req.countryCode) }),
    deleteTaxRule: async (req) => {
      await taxRules.delete(req.id);
      return {};
    },
  };
}
