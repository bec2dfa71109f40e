import type { PaymentServiceService } from '../../../../gen/shop/payment/v1/payment_service.js';
import { supportedCurrencies } from '../../../platform/src/currency.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import { checkIdempotencyKey } from '../../../platform/src/idempotency.js';
import { stateFromProto } from '../app/messages.js';
import type { ExchangeRates } from '../app/exchange-rates.js';
import type { Payments } from '../app/payments.js';
import type { PaymentQueries } from '../app/queries.js';
import type { Webhooks } from '../app/webhooks.js';

/** PaymentService: proto in, use case, proto out. */
export function paymentHandlers(payments: Payments, queries: PaymentQueries, webhooks: Webhooks, rates: ExchangeRates): ServiceHandlers<typeof PaymentServiceService> {
  return {
    authorisePayment: async (req) => {
      checkIdempotencyKey(req.idempotencyKey);
      return payments.authorise({
        idempotencyKey: req.idempotencyKey,
        orderId: req.orderId,
        customerId: req.customerId,
        amount: req.amount,
        provider: req.provider,
        paymentMethodToken: req.paymentMethodToken,
        providerCustomerId: req.providerCustomerId,
        returnUrl: req.returnUrl,
      });
    },
    capturePayment: async (req, ctx) => payments.capture(req.paymentId, req.idempotencyKey, req.amount, ctx),
    voidPayment: async (req, ctx) => payments.void(req.paymentId, req.idempotencyKey, ctx),
    refundPayment: async (req, ctx) => payments.refund(req.paymentId, req.idempotencyKey, req.amount, req.reason, ctx),
    markPaymentPaid: async (req, ctx) => payments.markPaid(req.paymentId, req.idempotencyKey, req.reference, ctx),
    getPayment: async (req) => queries.get(req.paymentId),
    listPayments: async (req) => queries.list({ orderId: req.orderId, state: stateFromProto(req.state), provider: req.provider, pageSize: req.pageSize, pageToken: req.pageToken }),
    handleProviderWebhook: async (req, ctx) => {
      const header = (name: string) => {
        const value = ctx.metadata.get(name)[0];
        return typeof value === 'string' ? value : undefined;
      };
      const result = await webhooks.handle(req.provider, req.httpBody?.data ?? Buffer.alloc(0), header);
      return { contentType: 'application/json', data: Buffer.from(JSON.stringify({ received: true, applied: result.applied })), extensions: [] };
    },
    listCurrencies: async () => ({ currencies: supportedCurrencies() }),
    setExchangeRate: async (req, ctx) => rates.set(req.exchangeRate, ctx),
    listExchangeRates: async () => ({ exchangeRates: await rates.list() }),
    convertMoney: async (req) => rates.convert(req.amount, req.targetCurrency),
  };
}
