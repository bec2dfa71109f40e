import { OrderStatus, type OrderServiceService } from '../../../../gen/shop/order/v1/order_service.js';
import { selfUserId } from '../../../platform/src/auth.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { CheckoutSaga } from '../app/checkout.js';
import { STATUS_NAME, toOrderMessage } from '../app/order-message.js';
import type { OrderFilter, Orders } from '../app/orders.js';

const CART_TOKEN_HEADER = 'x-cart-token';

function statusFilter(status: OrderStatus): OrderFilter['status'] {
  return status === OrderStatus.ORDER_STATUS_UNSPECIFIED ? undefined : STATUS_NAME.get(status);
}

function proofOf(ctx: CallContext) {
  const token = ctx.metadata.get(CART_TOKEN_HEADER)[0];
  return { customerId: ctx.caller?.kind === 'user' ? ctx.caller.userId : null, cartToken: typeof token === 'string' ? token : '' };
}

/** Order RPCs: proto in, use case, proto out. */
export function orderHandlers(saga: CheckoutSaga, orders: Orders): ServiceHandlers<typeof OrderServiceService> {
  return {
    checkout: async (req, ctx) =>
      toOrderMessage(await saga.checkout({ cartId: req.cartId, idempotencyKey: req.idempotencyKey, provider: req.payment?.provider ?? '', token: req.payment?.token ?? '' }, proofOf(ctx))),
    getOrder: async (req, ctx) => toOrderMessage(await orders.get(req.id, ctx)),
    listOrders: async (req, ctx) => {
      const page = await orders.history(selfUserId(ctx), { status: statusFilter(req.status), createdAfter: req.createdAfter, createdBefore: req.createdBefore }, { size: req.pageSize, token: req.pageToken });
      return { orders: page.orders.map(toOrderMessage), nextPageToken: page.nextPageToken };
    },
    lookupOrder: async (req) => toOrderMessage(await orders.lookup(req.number, req.email)),
    cancelOrder: async (req, ctx) => toOrderMessage(await orders.cancel(req.id, req.reason, ctx)),
    searchOrders: async (req) => {
      const page = await orders.search(
        {
          status: statusFilter(req.status), createdAfter: req.createdAfter, createdBefore: req.createdBefore,
          number: req.number || undefined, email: req.email || undefined, minTotal: req.minTotal, maxTotal: req.maxTotal, currencyCode: req.currencyCode || undefined,
        },
        { size: req.pageSize, token: req.pageToken },
      );
      return { orders: page.orders.map(toOrderMessage), nextPageToken: page.nextPageToken };
    },
    markOrderProcessing: async (req, ctx) => toOrderMessage(await orders.markProcessing(req.id, ctx)),
    addOrderNote: async (req, ctx) => toOrderMessage(await orders.addNote(req.id, req.note, ctx)),
  };
}
