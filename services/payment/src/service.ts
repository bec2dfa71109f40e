import { PaymentServiceService } from '../../../gen/shop/payment/v1/payment_service.js';
import { PUBLIC, requires } from '../../platform/src/auth.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { IdempotencyStore } from '../../platform/src/idempotency.js';
import { defineService } from '../../platform/src/runtime.js';
import { paymentHandlers } from './api/payments.js';
import { ExchangeRates, exchangeRateModel } from './app/exchange-rates.js';
import { Payments } from './app/payments.js';
import type { PaymentProvider } from './app/providers.js';
import { PaymentQueries } from './app/queries.js';
import { Webhooks } from './app/webhooks.js';
import { ManualProvider } from './infra/manual-provider.js';
import { paymentModel } from './infra/models.js';
import { PayPalProvider } from './infra/paypal-provider.js';
import { StripeProvider } from './infra/stripe-provider.js';
import { TestProvider } from './infra/test-provider.js';
import { loadPaymentSettings, type PaymentSettings } from './settings.js';

const manage = requires('payments.manage');

/** The providers the settings enable, by name. */
function enabledProviders(s: PaymentSettings): Map<string, PaymentProvider> {
  const providers = new Map<string, PaymentProvider>();
  if (s.stripeSecretKey && s.stripeWebhookSecret) {
    providers.set('stripe', new StripeProvider({ secretKey: s.stripeSecretKey, webhookSecret: s.stripeWebhookSecret, apiUrl: s.stripeApiUrl ?? '' }));
  }
  if (s.paypalClientId && s.paypalClientSecret) {
    providers.set('paypal', new PayPalProvider({ clientId: s.paypalClientId, clientSecret: s.paypalClientSecret, environment: s.paypalEnvironment, apiUrl: s.paypalApiUrl ?? '', webhookId: s.paypalWebhookId ?? '' }));
  }
  if (s.paymentManualProvider === 'true') providers.set('manual', new ManualProvider());
  if (s.paymentTestProvider === 'true' && s.paymentTestWebhookSecret) providers.set('test', new TestProvider(s.paymentTestWebhookSecret));
  return providers;
}

/** Payments: providers, authorisation, capture, void, refund, webhooks, currencies. */
export const paymentService = defineService({
  name: 'payment',
  definition: PaymentServiceService,
  access: {
    // Internal (no JSON route): the order service's checkout, with a service account
    // granted the payments.authorise scope.
    authorisePayment: requires('payments.authorise'),
    // Staff (payments.manage), and the order service at shipment or cancellation with
    // the same permission as a scope.
    capturePayment: manage,
    voidPayment: manage,
    refundPayment: manage,
    markPaymentPaid: manage,
    getPayment: manage,
    listPayments: manage,
    // Providers call it without a token; the signature over the raw body is the check.
    handleProviderWebhook: PUBLIC,
    listCurrencies: PUBLIC,
    // FX rates: staff set them; anyone may read them and convert display prices.
    setExchangeRate: manage,
    listExchangeRates: PUBLIC,
    convertMoney: PUBLIC,
  },
  streams: [domainStream('payment')],
  address: (config) => config.paymentAddr,
  async start({ logger, db, nats, env }) {
    const settings = loadPaymentSettings(env);
    const providers = enabledProviders(settings);
    logger.info('payment providers enabled', { providers: [...providers.keys()].join(','), capture: settings.paymentCapture });
    const payments = paymentModel(db);
    const rates = exchangeRateModel(db);
    // Payments change with every checkout; rates rarely, and each change kicks their relay, whose poll is only the safety net.
    const relay = startOutboxRelay({ js: nats.js, models: [payments], logger });
    const ratesRelay = startOutboxRelay({ js: nats.js, models: [rates], logger, intervalMs: 2_000 });
    const idempotency = new IdempotencyStore(db);
    const app = new Payments(payments, providers, idempotency, { capture: settings.paymentCapture, operationLeaseMs: settings.paymentOperationLeaseSeconds * 1000 }, () => relay.kick());
    const webhooks = new Webhooks(payments, providers, logger, () => relay.kick());
    return {
      handlers: paymentHandlers(app, new PaymentQueries(payments), webhooks, new ExchangeRates(rates, settings.fxMaxAgeSeconds * 1000, () => ratesRelay.kick())),
      stop: async () => {
        await relay.stop();
        await ratesRelay.stop();
      },
    };
  },
});
