import type { Connection } from 'mongoose';
import { PaymentAuthorised, PaymentFailed } from '../../../../gen/shop/payment/v1/events.js';
import { domainStreamName, startConsumer, type NatsHandles, type RunningConsumer } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { CheckoutSaga } from '../app/checkout.js';

/**
 * Follows payments settled outside a checkout request: a customer who completed 3-D
 * Secure or PayPal approval and never came back, a webhook from the provider. The
 * order the payment is for is confirmed (or its checkout compensated). One durable
 * shared by all order processes; handling is idempotent (the saga moves only from
 * awaiting_payment).
 */
export function followPayments(o: { nats: NatsHandles; db: Connection; logger: Logger; saga: CheckoutSaga }): Promise<RunningConsumer> {
  return startConsumer({
    js: o.nats.js,
    jsm: o.nats.jsm,
    stream: domainStreamName('payment'),
    durable: 'order-payments',
    connection: o.db,
    logger: o.logger,
    handle: async (event) => {
      if (event.type === 'shop.payment.v1.PaymentAuthorised') {
        const payment = PaymentAuthorised.decode(event.data).payment;
        if (payment?.orderId) await o.saga.paymentSettled(payment.orderId, { authorised: true, paymentId: payment.id, reason: '' });
      } else if (event.type === 'shop.payment.v1.PaymentFailed') {
        const payment = PaymentFailed.decode(event.data).payment;
        if (payment?.orderId) await o.saga.paymentSettled(payment.orderId, { authorised: false, paymentId: payment.id, reason: payment.failureMessage });
      }
    },
  });
}
