import {
  ApiError,
  CheckoutPaymentIntent,
  Client,
  Environment,
  OrdersController,
  PaymentsController,
  type Order,
} from '@paypal/paypal-server-sdk';
import { formatMajor } from '../../../platform/src/currency.js';
import type { Money } from '../../../platform/src/money.js';
import {
  ProviderRejectedError,
  ProviderUnavailableError,
  type AuthorisationResult,
  type AuthoriseRequest,
  type PaymentProvider,
  type ProviderRefs,
} from '../app/providers.js';

export interface PayPalSettings {
  clientId: string;
  clientSecret: string;
  environment: 'sandbox' | 'production';
  /**
   * A stand-in for PayPal's API (tests). The SDK knows only PayPal's own two hosts, so
   * its HTTP layer is given an adapter that sends each request to this base instead,
   * same path, headers and body.
   */
  apiUrl: string;
}

const money = (m: Money) => ({ currencyCode: m.currencyCode, value: formatMajor(m) });

/**
 * PayPal Orders v2 through PayPal's server SDK: an order with intent AUTHORIZE, then
 * capture of the authorisation, void, and refunds of the capture. PayPal-Request-Id
 * carries our idempotency key on every call. A payment token is a PayPal vault id
 * (a saved PayPal wallet): such an order is approved at once and authorised here;
 * without one the buyer must approve it at PayPal (requires_action with the link).
 */
export class PayPalProvider implements PaymentProvider {
  readonly name = 'paypal';
  readonly needsToken = false;
  private readonly orders: OrdersController;
  private readonly payments: PaymentsController;

  constructor(settings: PayPalSettings) {
    const client = new Client({
      clientCredentialsAuthCredentials: { oAuthClientId: settings.clientId, oAuthClientSecret: settings.clientSecret },
      environment: settings.environment === 'production' ? Environment.Production : Environment.Sandbox,
      timeout: 15_000,
      // The SDK logs requests and responses when asked to; never ask (tokens, payer data).
      ...(settings.apiUrl ? { unstable_httpClientOptions: { adapter: redirectTo(new URL(settings.apiUrl)) } } : {}),
    });
    this.orders = new OrdersController(client);
    this.payments = new PaymentsController(client);
  }

  async authorise(req: AuthoriseRequest): Promise<AuthorisationResult> {
    let order: Order;
    try {
      const experienceContext = req.returnUrl ? { returnUrl: req.returnUrl, cancelUrl: req.returnUrl } : undefined;
      ({ result: order } = await this.orders.createOrder({
        paypalRequestId: req.idempotencyKey,
        prefer: 'return=representation',
        body: {
          intent: CheckoutPaymentIntent.Authorize,
          purchaseUnits: [{ referenceId: req.orderId, customId: req.orderId, amount: money(req.amount) }],
          paymentSource: { paypal: { ...(req.paymentMethodToken ? { vaultId: req.paymentMethodToken } : {}), ...(experienceContext ? { experienceContext } : {}) } },
        },
      }));
    } catch (err) {
      throw translate(err);
    }
    const reference = order.id ?? '';
    if (order.status !== 'APPROVED') {
      const link = order.links?.find((l) => l.rel === 'payer-action' || l.rel === 'approve')?.href;
      return { state: 'requires_action', reference, ...(link ? { nextActionUrl: link } : {}) };
    }
    try {
      const { result } = await this.orders.authorizeOrder({ id: reference, paypalRequestId: `${req.idempotencyKey}-authorize`, prefer: 'return=representation' });
      const authorisation = result.purchaseUnits?.[0]?.payments?.authorizations?.[0];
      if (!authorisation?.id || authorisation.status === 'DENIED' || authorisation.status === 'VOIDED') {
        return { state: 'failed', reference, failureCode: 'authorization_denied', failureMessage: 'PayPal denied the authorisation' };
      }
      return { state: 'authorised', reference, authorisationReference: authorisation.id };
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 422) {
        return { state: 'failed', reference, failureCode: 'instrument_declined', failureMessage: 'PayPal declined the payment' };
      }
      throw translate(err);
    }
  }

  async capture(refs: ProviderRefs, amount: Money, idempotencyKey: string): Promise<{ reference: string }> {
    try {
      const { result } = await this.payments.captureAuthorizedPayment({ authorizationId: refs.authorisation, paypalRequestId: idempotencyKey, prefer: 'return=representation', body: { amount: money(amount), finalCapture: true } });
      if (!result.id) throw new ProviderRejectedError('PayPal answered the capture without an id', 'capture_failed');
      return { reference: result.id };
    } catch (err) {
      throw translate(err);
    }
  }

  async void(refs: ProviderRefs, idempotencyKey: string): Promise<{ reference: string }> {
    try {
      await this.payments.voidPayment({ authorizationId: refs.authorisation, paypalRequestId: idempotencyKey });
      return { reference: refs.authorisation };
    } catch (err) {
      throw translate(err);
    }
  }

  async refund(refs: ProviderRefs, amount: Money, idempotencyKey: string): Promise<{ reference: string }> {
    try {
      const { result } = await this.payments.refundCapturedPayment({ captureId: refs.capture, paypalRequestId: idempotencyKey, prefer: 'return=representation', body: { amount: money(amount) } });
      if (!result.id || result.status === 'FAILED' || result.status === 'CANCELLED') throw new ProviderRejectedError(`PayPal refused the refund (${result.status ?? 'no id'})`, 'refund_failed');
      return { reference: result.id };
    } catch (err) {
      throw translate(err);
    }
  }
}

/** The SDK's HTTP requests (axios configs), sent with fetch to another base URL. */
interface HttpRequestConfig {
  url?: string;
  method?: string;
  headers?: Record<string, unknown> & { toJSON?: () => Record<string, unknown> };
  data?: string;
  timeout?: number;
}

function redirectTo(base: URL) {
  return async (config: HttpRequestConfig) => {
    const original = new URL(config.url ?? '/');
    const target = new URL(`${original.pathname}${original.search}`, base);
    const raw = typeof config.headers?.toJSON === 'function' ? config.headers.toJSON() : (config.headers ?? {});
    const headers = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== null && typeof v !== 'function').map(([k, v]) => [k, String(v)]));
    const res = await fetch(target, { method: (config.method ?? 'get').toUpperCase(), headers, body: config.data ?? null, signal: AbortSignal.timeout(config.timeout || 15_000) });
    return { data: await res.text(), status: res.status, statusText: res.statusText, headers: Object.fromEntries(res.headers), config, request: {} };
  };
}

/** SDK errors -> ours: 5xx, 429 and network trouble are retryable, other 4xx are refusals. */
function translate(err: unknown): Error {
  if (err instanceof ProviderRejectedError) return err;
  if (err instanceof ApiError) {
    if (err.statusCode >= 500 || err.statusCode === 429) return new ProviderUnavailableError(`PayPal answered ${err.statusCode}`);
    const name = typeof (err.result as { name?: unknown } | undefined)?.name === 'string' ? String((err.result as { name: string }).name) : `http_${err.statusCode}`;
    return new ProviderRejectedError(`PayPal refused the request (${name})`, name);
  }
  return new ProviderUnavailableError('PayPal could not be reached');
}
