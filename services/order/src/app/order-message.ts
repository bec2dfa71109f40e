import { OrderStatus, type Order, type OrderAddress } from '../../../../gen/shop/order/v1/order_service.js';
import { etagOf } from '../../../platform/src/etag.js';
import type { OrderStatusName } from '../domain/status.js';
import type { OrderDoc } from '../infra/orders.js';

export const STATUS: Record<OrderStatusName, OrderStatus> = {
  pending: OrderStatus.ORDER_STATUS_PENDING,
  awaiting_payment: OrderStatus.ORDER_STATUS_AWAITING_PAYMENT,
  confirmed: OrderStatus.ORDER_STATUS_CONFIRMED,
  processing: OrderStatus.ORDER_STATUS_PROCESSING,
  partially_shipped: OrderStatus.ORDER_STATUS_PARTIALLY_SHIPPED,
  shipped: OrderStatus.ORDER_STATUS_SHIPPED,
  delivered: OrderStatus.ORDER_STATUS_DELIVERED,
  cancelled: OrderStatus.ORDER_STATUS_CANCELLED,
  payment_failed: OrderStatus.ORDER_STATUS_PAYMENT_FAILED,
};

export const STATUS_NAME = new Map<OrderStatus, OrderStatusName>(Object.entries(STATUS).map(([name, value]) => [value, name as OrderStatusName]));

const EMPTY_ADDRESS: OrderAddress = { fullName: '', company: '', line1: '', line2: '', city: '', region: '', postalCode: '', countryCode: '', phone: '' };

/** The proto Order of a stored order (events and API answers alike). */
export function toOrderMessage(doc: OrderDoc): Order {
  const money = (amountMinor: number) => ({ currencyCode: doc.currencyCode, amountMinor });
  return {
    id: doc._id,
    number: doc.number,
    status: STATUS[doc.status],
    customerId: doc.customerId ?? '',
    email: doc.email,
    currencyCode: doc.currencyCode,
    lines: doc.lines.map((l) => ({
      id: l.id, sku: l.sku, productId: l.productId, productName: l.productName, quantity: l.quantity,
      unitPrice: money(l.unitPriceMinor), lineTotal: money(l.lineTotalMinor), tax: money(l.taxMinor), taxRateBps: l.taxRateBps, shippedQuantity: l.shippedQuantity,
    })),
    totals: {
      subtotal: money(doc.totals.subtotalMinor), discount: money(doc.totals.discountMinor), shipping: money(doc.totals.shippingMinor),
      tax: money(doc.totals.taxMinor), includedTax: money(doc.totals.includedTaxMinor), grandTotal: money(doc.totals.grandTotalMinor),
    },
    shippingAddress: doc.shippingAddress ? { ...EMPTY_ADDRESS, ...doc.shippingAddress } : { ...EMPTY_ADDRESS },
    billingAddress: doc.billingAddress ? { ...EMPTY_ADDRESS, ...doc.billingAddress } : { ...EMPTY_ADDRESS },
    shippingMethodId: doc.shippingMethodId,
    paymentId: doc.payment.paymentId ?? '',
    paymentProvider: doc.payment.provider,
    failureReason: doc.failureReason ?? '',
    timeline: doc.timeline.map((t) => ({ time: t.at, status: STATUS[t.status], event: t.event, actor: t.actor, detail: t.detail })),
    cartId: doc.cartId,
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
    paymentActionUrl: doc.status === 'awaiting_payment' ? (doc.payment.actionUrl ?? '') : '',
    // Filled only for order detail (OrderDetails), never in lists or events.
    shipments: [],
    paymentState: '',
  };
}
