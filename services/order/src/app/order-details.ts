import type { Order } from '../../../../gen/shop/order/v1/order_service.js';
import { PaymentState, type PaymentServiceService } from '../../../../gen/shop/payment/v1/payment_service.js';
import type { ShippingServiceService } from '../../../../gen/shop/shipping/v1/shipping_service.js';
import { errorMeta } from '../../../platform/src/events/index.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { ServiceTokenSource } from '../../../platform/src/service-token.js';

/**
 * One order's detail: the order plus its shipments (with tracking) and its payment's
 * state, asked of shipping and payment in parallel as the order service's account.
 * Either may be down: the order is still shown, without that part.
 */
export class OrderDetails {
  constructor(
    private readonly shipping: ServiceClient<typeof ShippingServiceService>,
    private readonly payments: ServiceClient<typeof PaymentServiceService>,
    private readonly tokens: ServiceTokenSource,
    private readonly logger: Logger,
  ) {}

  async of(order: Order): Promise<Order> {
    const token = await this.tokens.token().catch(() => '');
    if (!token) return order;
    const [shipments, payment] = await Promise.all([
      this.shipping.listOrderShipments({ orderId: order.id }, { token, timeoutMs: 3_000 }).then((r) => r.shipments).catch((err: unknown) => {
        this.logger.warn('order detail without shipments', { orderId: order.id, ...errorMeta(err) });
        return [];
      }),
      order.paymentId
        ? this.payments.getPayment({ paymentId: order.paymentId }, { token, timeoutMs: 3_000 }).catch((err: unknown) => {
            this.logger.warn('order detail without payment state', { orderId: order.id, ...errorMeta(err) });
            return null;
          })
        : Promise.resolve(null),
    ]);
    return { ...order, shipments, paymentState: payment ? (PaymentState[payment.state] ?? '') : '' };
  }
}
