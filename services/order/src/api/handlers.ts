import { OrderStatus, type OrderServiceService } from '../../../../gen/shop/order/v1/order_service.js';
import { selfUserId } from '../../../platform/src/auth.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { CheckoutSaga } from '../app/checkout.js';
import { STATUS_NAME, toOrderMessage } from '../app/order-message.js';
import type { OrderFilter, Orders } from '../app/orders.js';
import type { OrderWatch } from '../app/order-watch.js';
import type { OrderFulfilment } from '../app/fulfilment.js';
import type { OrderDetails } from '../app/order-details.js';
import { TERMINAL } from '../domain/status.js';
import type { OrderDoc } from '../infra/orders.js';
import type { Order, OrderUpdate } from '../../../../gen/shop/order/v1/order_service.js';
import type { ResponseStream } from '../../../platform/src/grpc/context.js';
import { expectedRevision } from '../../../platform/src/etag.js';

/** How long one WatchOrder stream lasts at most; clients reconnect for longer. */
const WATCH_MAX_MS = 10 * 60_000;

const CART_TOKEN_HEADER = 'x-cart-token';

function statusFilter(status: OrderStatus): OrderFilter['status'] {
  return status === OrderStatus.ORDER_STATUS_UNSPECIFIED ? undefined : STATUS_NAME.get(status);
}

function proofOf(ctx: CallContext) {
  const token = ctx.metadata.get(CART_TOKEN_HEADER)[0];
  return { customerId: ctx.caller?.kind === 'user' ? ctx.caller.userId : null, cartToken: typeof token === 'string' ? token : '' };
}

/** Order RPCs: proto in, use case, proto out. */
export function orderHandlers(saga: CheckoutSaga, orders: Orders, fulfilment: OrderFulfilment, watch: OrderWatch, details: OrderDetails): ServiceHandlers<typeof OrderServiceService> {
  return {
    checkout: async (req, ctx) =>
      toOrderMessage(await saga.checkout({ cartId: req.cartId, idempotencyKey: req.idempotencyKey, provider: req.payment?.provider ?? '', token: req.payment?.token ?? '' }, proofOf(ctx))),
    getOrder: async (req, ctx) => details.of(toOrderMessage(await orders.get(req.id, ctx))),
    listOrders: async (req, ctx) => {
      const page = await orders.history(selfUserId(ctx), { status: statusFilter(req.status), createdAfter: req.createdAfter, createdBefore: req.createdBefore }, { size: req.pageSize, token: req.pageToken });
      return { orders: page.orders.map(toOrderMessage), nextPageToken: page.nextPageToken };
    },
    lookupOrder: async (req) => details.of(toOrderMessage(await orders.lookup(req.number, req.email))),
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
    shipOrder: async (req, ctx) => {
      const shipped = await fulfilment.ship(req.id, {
        lines: req.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })),
        warehouseId: req.warehouseId, carrier: req.carrier, carrierName: req.carrierName, trackingNumber: req.trackingNumber, requestId: req.requestId,
      }, ctx);
      return { order: toOrderMessage(shipped.order), shipmentId: shipped.shipmentId };
    },
    watchOrder: async (req, ctx, stream) => watchUntilSettled(await orders.get(req.id, ctx), watch, stream),
  };
}

/**
 * Sends the order now and after each change (older updates arriving late are
 * dropped by revision) until it settles, the client hangs up or the time is up.
 */
async function watchUntilSettled(doc: OrderDoc, watch: OrderWatch, stream: ResponseStream<OrderUpdate>): Promise<void> {
  let lastRevision = 0;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const send = (order: Order, event: string) => {
    const revision = expectedRevision(order.etag) ?? 0;
    if (revision <= lastRevision) return;
    lastRevision = revision;
    stream.send({ order, event });
    const status = STATUS_NAME.get(order.status);
    if (status && TERMINAL.has(status)) finish();
  };
  // Subscribe before the snapshot, so no change falls between the two.
  const stop = watch.watch(doc._id, send);
  const timer = setTimeout(finish, WATCH_MAX_MS);
  stream.signal.addEventListener('abort', finish, { once: true });
  try {
    send(toOrderMessage(doc), 'snapshot');
    await finished;
  } finally {
    stop();
    clearTimeout(timer);
  }
}
