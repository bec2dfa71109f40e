import {
  ApiError,
  CheckoutPaymentIntent,
  Client,
  Environment,
  OrdersController,
  PaymentsController,
  type Order,
} from '@paypal/paypal-server-sdk';
import { formatMajor, parseMajor } from '../../../platform/src/currency.js';
import type { Money } from '../../../platform/src/money.js';
import {
  ProviderRejectedError,
  ProviderUnavailableError,
  WebhookSignatureError,
  type AuthorisationResult,
  type AuthoriseRequest,
  type PaymentProvider,
  type ProviderEvent,
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
  /** The webhook subscription's id; empty: webhooks are refused. */
  webhookId: string;
}

/** One PayPal-Request-Id per order's authorisation, whether checkout or a webhook asks: PayPal authorises once. */
const authorizeRequestId = (paypalOrderId: string) => `authorize-${paypalOrderId}`;

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
  private readonly client: Client;
  private readonly apiBase: string;

  constructor(private readonly settings: PayPalSettings) {
    this.apiBase = settings.apiUrl || (settings.environment === 'production' ? 'https://api-m.paypal.com' : 'https://api-m.sandbox.paypal.com');
    const client = new Client({
      clientCredentialsAuthCredentials: { oAuthClientId: settings.clientId, oAuthClientSecret: settings.clientSecret },
      environment: settings.environment === 'production' ? Environment.Production : Environment.Sandbox,
      timeout: 15_000,
      // The SDK logs requests and responses when asked to; never ask (tokens, payer data).
      ...(settings.apiUrl ? { unstable_httpClientOptions: { adapter: redirectTo(new URL(settings.apiUrl)) } } : {}),
    });
    this.client = client;
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
      const { result } = await this.orders.authorizeOrder({ id: reference, paypalRequestId: authorizeRequestId(reference), prefer: 'return=representation' });
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

  /**
   * Verifies a delivery with PayPal's verify-webhook-signature API (PayPal signs with
   * certificates only it resolves), then maps it; an approved order is authorised here,
   * with a request id derived from the order, so redeliveries authorise once.
   */
  async parseWebhook(rawBody: Buffer, header: (name: string) => string | undefined): Promise<ProviderEvent[]> {
    const names = ['paypal-auth-algo', 'paypal-cert-url', 'paypal-transmission-id', 'paypal-transmission-sig', 'paypal-transmission-time'] as const;
    const values = names.map((n) => header(n));
    if (values.some((v) => !v)) throw new WebhookSignatureError('PayPal transmission headers are missing');
    if (!this.settings.webhookId) throw new WebhookSignatureError('PayPal webhooks are not configured (SHOP_PAYPAL_WEBHOOK_ID)');
    let event: PayPalWebhookEvent;
    try {
      event = JSON.parse(rawBody.toString('utf8')) as PayPalWebhookEvent;
    } catch {
      throw new WebhookSignatureError('the body is not the JSON PayPal signed');
    }
    const [authAlgo, certUrl, transmissionId, transmissionSig, transmissionTime] = values as string[];
    let verified: boolean;
    try {
      const token = await this.client.clientCredentialsAuthManager.fetchToken();
      const res = await fetch(new URL('/v1/notifications/verify-webhook-signature', this.apiBase), {
        method: 'POST',
        headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ auth_algo: authAlgo, cert_url: certUrl, transmission_id: transmissionId, transmission_sig: transmissionSig, transmission_time: transmissionTime, webhook_id: this.settings.webhookId, webhook_event: event }),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status >= 500 || res.status === 429) throw new ProviderUnavailableError(`PayPal's webhook verification answered ${res.status}`);
      verified = res.ok && ((await res.json()) as { verification_status?: string }).verification_status === 'SUCCESS';
    } catch (err) {
      throw err instanceof ProviderUnavailableError ? err : new ProviderUnavailableError('PayPal\'s webhook verification could not be reached');
    }
    if (!verified) throw new WebhookSignatureError('PayPal did not verify the webhook signature');
    if (event.event_type !== 'CHECKOUT.ORDER.APPROVED' || !event.resource?.id) return paypalEventsOf(event);
    try {
      const { result } = await this.orders.authorizeOrder({ id: event.resource.id, paypalRequestId: authorizeRequestId(event.resource.id), prefer: 'return=representation' });
      const authorisation = result.purchaseUnits?.[0]?.payments?.authorizations?.[0];
      return paypalEventsOf(event, authorisation?.id && authorisation.status !== 'DENIED' ? { authorisationId: authorisation.id } : { declined: true });
    } catch (err) {
      // Not approvable any more (voided, already authorised under another id): nothing to record.
      if (err instanceof ApiError && err.statusCode === 422) return [];
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

export interface PayPalWebhookEvent {
  id?: string;
  event_type?: string;
  resource?: {
    id?: string;
    status?: string;
    amount?: { currency_code?: string; value?: string };
    supplementary_data?: { related_ids?: { order_id?: string } };
  };
}

/**
 * PayPal's webhook events in the payment's terms. CHECKOUT.ORDER.APPROVED (the buyer
 * approved at PayPal) becomes an authorisation once `authorise` has authorised the
 * order; the others report what PayPal did.
 */
export function paypalEventsOf(event: PayPalWebhookEvent, authorised?: { authorisationId: string } | { declined: true }): ProviderEvent[] {
  const id = event.id ?? '';
  const r = event.resource ?? {};
  const orderId = r.supplementary_data?.related_ids?.order_id ?? '';
  switch (event.event_type) {
    case 'CHECKOUT.ORDER.APPROVED':
      if (!r.id || !authorised) return [];
      return 'declined' in authorised
        ? [{ id, reference: r.id, kind: 'failed', failureCode: 'instrument_declined', failureMessage: 'PayPal declined the payment' }]
        : [{ id, reference: r.id, kind: 'authorised', transactionReference: authorised.authorisationId }];
    case 'PAYMENT.AUTHORIZATION.CREATED':
      return orderId && r.id ? [{ id, reference: orderId, kind: 'authorised', transactionReference: r.id }] : [];
    case 'PAYMENT.AUTHORIZATION.VOIDED':
      return orderId ? [{ id, reference: orderId, kind: 'voided', ...(r.id ? { transactionReference: r.id } : {}) }] : [];
    case 'PAYMENT.CAPTURE.COMPLETED': {
      if (!orderId || !r.amount?.currency_code || !r.amount.value) return [];
      const amountMinor = parseMajor(r.amount.value, r.amount.currency_code).amountMinor;
      return [{ id, reference: orderId, kind: 'captured', amountMinor, ...(r.id ? { transactionReference: r.id } : {}) }];
    }
    default:
      return [];
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
