import { CartState, type Cart, type CartAddress } from '../../../../gen/shop/cart/v1/cart_service.js';
import type { AddressFields as PostalAddress } from '../../../platform/src/address.js';
import type { CartAnswer } from '../app/carts.js';
import type { CartDoc } from '../domain/cart.js';

const STATES: Record<CartDoc['state'], CartState> = {
  open: CartState.CART_STATE_OPEN,
  checking_out: CartState.CART_STATE_CHECKING_OUT,
  completed: CartState.CART_STATE_COMPLETED,
  merged: CartState.CART_STATE_MERGED,
};

const EMPTY_ADDRESS: CartAddress = { fullName: '', company: '', line1: '', line2: '', city: '', region: '', postalCode: '', countryCode: '', phone: '' };

/** A request's address: undefined = leave it, an all-empty message = clear it. */
export function addressPatch(address: CartAddress | undefined): PostalAddress | null | undefined {
  if (!address) return undefined;
  return Object.values(address).every((v) => v === '') ? null : { ...address };
}

/** The proto Cart of a priced cart; the guest token only when this answer created it. */
export function toCartMessage(answer: CartAnswer, now = new Date()): Cart {
  const { priced } = answer;
  const { cart, totals } = priced;
  const money = (amountMinor: number) => ({ currencyCode: cart.currencyCode, amountMinor });
  return {
    id: cart.id,
    currencyCode: cart.currencyCode,
    customerId: cart.customerId ?? '',
    cartToken: answer.cartToken ?? '',
    state: STATES[cart.state],
    lines: priced.lines.map((l) => ({
      id: l.id,
      sku: l.sku,
      quantity: l.quantity,
      productName: l.productName,
      productId: l.productId,
      unitPrice: l.unitMinor === null ? undefined : money(l.unitMinor),
      regularUnitPrice: l.regularMinor === null ? undefined : money(l.regularMinor),
      lineTotal: money(l.lineTotalMinor),
      tax: money(l.taxMinor),
      taxRateBps: l.unavailableReason === '' ? priced.taxRate.rateBps : 0,
      purchasable: l.unavailableReason === '',
      unavailableReason: l.unavailableReason,
    })),
    email: cart.email ?? '',
    shippingAddress: cart.shippingAddress ? { ...cart.shippingAddress } : { ...EMPTY_ADDRESS },
    billingAddress: cart.billingAddress ? { ...cart.billingAddress } : { ...EMPTY_ADDRESS },
    shippingMethodId: cart.shippingMethodId ?? '',
    subtotal: money(totals.subtotalMinor),
    discountTotal: money(totals.discountMinor),
    shippingTotal: money(totals.shippingMinor),
    taxTotal: money(totals.addedTaxMinor),
    includedTaxTotal: money(totals.includedTaxMinor),
    grandTotal: money(totals.grandTotalMinor),
    etag: `"${cart.revision}"`,
    createTime: new Date(cart.createdAt),
    updateTime: new Date(cart.updatedAt),
    expireTime: new Date(now.getTime() + answer.expiresInSeconds * 1000),
    orderId: cart.orderId ?? '',
    itemCount: cart.lines.reduce((sum, l) => sum + l.quantity, 0),
    purchasable: priced.purchasable,
    shippingIssue: priced.shippingIssue,
  };
}
