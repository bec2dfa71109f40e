import { PaymentState, type PaymentServiceService } from '../../../../gen/shop/payment/v1/payment_service.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { ServiceTokenSource } from '../../../platform/src/service-token.js';
import type { AuthoriseOutcome, PaymentPort } from '../app/ports.js';

/** The payment service, as the order service's account (payments.authorise, payments.manage). */
export class PaymentAdapter implements PaymentPort {
  constructor(
    private readonly payments: ServiceClient<typeof PaymentServiceService>,
    private readonly tokens: ServiceTokenSource,
  ) {}

  private async auth() {
    return { token: await this.tokens.token(), timeoutMs: 20_000 };
  }

  async authorise(o: { idempotencyKey: string; orderId: string; customerId: string; currencyCode: string; amountMinor: number; provider: string; token: string }): Promise<AuthoriseOutcome> {
    const payment = await this.payments.authorisePayment({
      idempotencyKey: o.idempotencyKey,
      orderId: o.orderId,
      customerId: o.customerId,
      amount: { currencyCode: o.currencyCode, amountMinor: o.amountMinor },
      provider: o.provider,
      paymentMethodToken: o.token,
      providerCustomerId: '',
      returnUrl: '',
    }, await this.auth());
    switch (payment.state) {
      case PaymentState.PAYMENT_STATE_AUTHORISED:
      case PaymentState.PAYMENT_STATE_CAPTURED:
        return { status: 'authorised', paymentId: payment.id };
      case PaymentState.PAYMENT_STATE_REQUIRES_ACTION:
        return { status: 'requires_action', paymentId: payment.id, actionUrl: payment.nextActionUrl };
      default:
        return { status: 'failed', paymentId: payment.id, reason: payment.failureMessage || payment.failureCode || 'the payment was declined' };
    }
  }

  async capture(paymentId: string, idempotencyKey: string): Promise<void> {
    const auth = await this.auth();
    const payment = await this.payments.getPayment({ paymentId }, auth);
    if (payment.state !== PaymentState.PAYMENT_STATE_AUTHORISED) return;
    await this.payments.capturePayment({ paymentId, idempotencyKey, amount: undefined }, auth);
  }

  async void(paymentId: string, idempotencyKey: string): Promise<void> {
    const auth = await this.auth();
    const payment = await this.payments.getPayment({ paymentId }, auth);
    switch (payment.state) {
      case PaymentState.PAYMENT_STATE_AUTHORISED:
      case PaymentState.PAYMENT_STATE_REQUIRES_ACTION:
        await this.payments.voidPayment({ paymentId, idempotencyKey }, auth);
        return;
      case PaymentState.PAYMENT_STATE_CAPTURED:
        // Captured at once (SHOP_PAYMENT_CAPTURE=immediate): give the money back.
        await this.payments.refundPayment({ paymentId, idempotencyKey, amount: undefined, reason: 'order cancelled' }, auth);
        return;
      default:
        return; // failed, voided or refunded already
    }
  }
}
