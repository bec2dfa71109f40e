import { CartServiceService } from '../../../gen/shop/cart/v1/cart_service.js';
import { InventoryServiceService } from '../../../gen/shop/inventory/v1/inventory_service.js';
import { OrderServiceService } from '../../../gen/shop/order/v1/order_service.js';
import { PaymentServiceService } from '../../../gen/shop/payment/v1/payment_service.js';
import { ShippingServiceService } from '../../../gen/shop/shipping/v1/shipping_service.js';
import { AUTHENTICATED, PUBLIC, SELF, requires } from '../../platform/src/auth.js';
import { ConfigError, loadConfig } from '../../platform/src/config.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { createServiceClient } from '../../platform/src/grpc/client.js';
import { defineService } from '../../platform/src/runtime.js';
import { meshTokenSource } from '../../platform/src/service-token.js';
import { orderHandlers } from './api/handlers.js';
import { CheckoutSaga } from './app/checkout.js';
import { startCheckoutRecovery } from './app/checkout-recovery.js';
import { OrderWatch } from './app/order-watch.js';
import { Orders } from './app/orders.js';
import { orderConfigSchema } from './config.js';
import { followPayments } from './events/payment-consumer.js';
import { followShipments } from './events/shipping-consumer.js';
import { OrderFulfilment } from './app/fulfilment.js';
import { OrderDetails } from './app/order-details.js';
import { ShippingAdapter } from './infra/shipping-adapter.js';
import { CartAdapter } from './infra/cart-adapter.js';
import { orderModel } from './infra/orders.js';
import { PaymentAdapter } from './infra/payment-adapter.js';
import { StockAdapter } from './infra/stock-adapter.js';

/** Orders: the checkout saga and each order's life after it. */
export const orderService = defineService({
  name: 'order',
  definition: OrderServiceService,
  access: {
    // Guests check out with their cart token; the saga checks who owns the cart.
    checkout: PUBLIC,
    // The customer's own orders (404 for anyone else's), any order with orders.read.
    getOrder: AUTHENTICATED,
    listOrders: SELF,
    lookupOrder: PUBLIC,
    cancelOrder: AUTHENTICATED,
    watchOrder: AUTHENTICATED,
    searchOrders: requires('orders.read'),
    markOrderProcessing: requires('orders.manage'),
    addOrderNote: requires('orders.manage'),
    shipOrder: requires('orders.manage'),
  },
  // It follows payments and shipments, and may start before either service ever ran.
  streams: [domainStream('order'), domainStream('payment'), domainStream('shipping')],
  address: (config) => config.orderAddr,
  async start({ config, env, db, nats, logger }) {
    const own = loadConfig(orderConfigSchema, env);
    if (own.orderTestCrashAfterStep && config.env === 'production') throw new ConfigError('SHOP_ORDER_TEST_CRASH_AFTER_STEP is for tests only');
    const tokens = meshTokenSource('order', env, config.identityAddr);
    const carts = createServiceClient(CartServiceService, { name: 'cart', address: config.cartAddr, idempotent: ['beginCheckout', 'endCheckout'] });
    const inventory = createServiceClient(InventoryServiceService, {
      name: 'inventory',
      address: config.inventoryAddr,
      idempotent: ['reserveStock', 'commitReservation', 'releaseReservation', 'getReservation', 'createStockAdjustment'],
    });
    const payments = createServiceClient(PaymentServiceService, { name: 'payment', address: config.paymentAddr, idempotent: ['authorisePayment', 'voidPayment', 'refundPayment', 'getPayment'] });
    const orders = orderModel(db);
    await orders.createIndexes();
    const relay = startOutboxRelay({ js: nats.js, models: [orders], logger });
    const stock = new StockAdapter(inventory, tokens.source);
    const payment = new PaymentAdapter(payments, tokens.source);
    const saga = new CheckoutSaga({
      orders,
      cart: new CartAdapter(carts, tokens.source),
      stock,
      payment,
      leaseMs: own.orderCheckoutLeaseMs,
      reservationSeconds: own.orderReservationSeconds,
      onWrite: () => relay.kick(),
      crashAfterStep: own.orderTestCrashAfterStep,
    });
    const watch = new OrderWatch(nats.nc, logger);
    watch.start();
    const recovery = startCheckoutRecovery({ orders, saga, logger, leaseMs: own.orderCheckoutLeaseMs, intervalMs: own.orderRecoveryIntervalMs });
    // A crash fixture dies on purpose: on the shared durables it would take events with it
    // and hold them until their ack wait ran out (30 s), stalling the stack's order process.
    const consumers = !own.orderTestCrashAfterStep;
    const noConsumer = { stop: async () => undefined };
    const paymentsFollowed = consumers ? await followPayments({ nats, db, logger, saga }) : noConsumer;
    const shipping = createServiceClient(ShippingServiceService, { name: 'shipping', address: config.shippingAddr, idempotent: ['createShipment', 'listOrderShipments'] });
    const fulfilment = new OrderFulfilment(orders, new ShippingAdapter(shipping, tokens.source), payment, () => relay.kick());
    const shipmentsFollowed = consumers ? await followShipments({ nats, db, logger, fulfilment }) : noConsumer;
    return {
      handlers: orderHandlers(saga, new Orders(orders, stock, payment, () => relay.kick()), fulfilment, watch, new OrderDetails(shipping, payments, tokens.source, logger)),
      stop: async () => {
        await paymentsFollowed.stop();
        await shipmentsFollowed.stop();
        await recovery.stop();
        watch.stop();
        await relay.stop();
        for (const client of [carts, inventory, payments, shipping]) client.close();
        tokens.close();
      },
    };
  },
});
