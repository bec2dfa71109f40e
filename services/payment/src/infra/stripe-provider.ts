import Stripe from 'stripe';
import { redact } from '../../../platform/src/logger.js';
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

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Another API base (stripe-mock in tests and `npm start`); empty: Stripe itself. */
  apiUrl: string;
}

/** Stripe's PaymentIntent status -> our state after an authorisation attempt. */
export function stateOfIntent(intent: Pick<Stripe.PaymentIntent, 'status'>): AuthorisationResult['state'] {
  switch (intent.status) {
    case 'requires_capture':
      return 'authorised';
    case 'succeeded':
      return 'captured';
    case 'requires_action':
    case 'requires_confirmation':
    case 'processing':
      return 'requires_action';
    default: // requires_payment_method (declined), canceled
      return 'failed';
  }
}

/** Stripe through its official SDK: PaymentIntents with manual or automatic capture. */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly needsToken = true;
  private readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    const url = settings.apiUrl ? new URL(settings.apiUrl) : null;
    this.stripe = new Stripe(settings.secretKey, {
      maxNetworkRetries: 2,
      timeout: 15_000,
      telemetry: false,
      ...(url ? { host: url.hostname, port: url.port || (url.protocol === 'https:' ? 443 : 80), protocol: url.protocol === 'https:' ? 'https' : 'http' } : {}),
    });
  }

  async authorise(req: AuthoriseRequest): Promise<AuthorisationResult> {
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: req.amount.amountMinor,
          currency: req.amount.currencyCode.toLowerCase(),
          capture_method: req.capture === 'manual' ? 'manual' : 'automatic',
          confirm: true,
          payment_method: req.paymentMethodToken,
          ...(req.providerCustomerId ? { customer: req.providerCustomerId } : {}),
          ...(req.returnUrl ? { return_url: req.returnUrl } : { payment_method_types: ['card'] }),
          metadata: { order_id: req.orderId },
        },
        { idempotencyKey: req.idempotencyKey },
      );
      const state = stateOfIntent(intent);
      return {
        state,
        reference: intent.id,
        ...(intent.next_action?.redirect_to_url?.url ? { nextActionUrl: intent.next_action.redirect_to_url.url } : {}),
        ...(state === 'failed' ? { failureCode: intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code ?? 'payment_failed', failureMessage: intent.last_payment_error?.message ?? 'the payment was not authorised' } : {}),
      };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        const intentId = (err.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent?.id ?? '';
        return { state: 'failed', reference: intentId, failureCode: err.decline_code ?? err.code ?? 'card_declined', failureMessage: err.message };
      }
      throw this.translate(err);
    }
  }

  async capture({ reference }: ProviderRefs, amount: Money, idempotencyKey: string): Promise<{ reference: string }> {
    try {
      const intent = await this.stripe.paymentIntents.capture(reference, { amount_to_capture: amount.amountMinor }, { idempotencyKey });
      return { reference: intent.latest_charge ? String(typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge.id) : intent.id };
    } catch (err) {
      throw this.translate(err);
    }
  }

  async void({ reference }: ProviderRefs, idempotencyKey: string): Promise<{ reference: string }> {
    try {
      const intent = await this.stripe.paymentIntents.cancel(reference, {}, { idempotencyKey });
      return { reference: intent.id };
    } catch (err) {
      throw this.translate(err);
    }
  }

  async refund({ reference }: ProviderRefs, amount: Money, idempotencyKey: string): Promise<{ reference: string }> {
    try {
      const refund = await this.stripe.refunds.create({ payment_intent: reference, amount: amount.amountMinor }, { idempotencyKey });
      if (refund.status === 'failed' || refund.status === 'canceled') throw new ProviderRejectedError(`Stripe refused the refund (${refund.failure_reason ?? refund.status})`, 'refund_failed');
      return { reference: refund.id };
    } catch (err) {
      throw this.translate(err);
    }
  }

  async parseWebhook(rawBody: Buffer, header: (name: string) => string | undefined): Promise<ProviderEvent[]> {
    const signature = header('stripe-signature');
    if (!signature) throw new WebhookSignatureError('the Stripe-Signature header is missing');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.settings.webhookSecret);
    } catch {
      throw new WebhookSignatureError('the Stripe signature does not verify');
    }
    return eventsOf(event);
  }

  /** SDK errors -> ours; Stripe's messages may quote what was sent (even the key), so they are redacted. */
  private translate(err: unknown): Error {
    if (err instanceof ProviderRejectedError) return err;
    if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError || err instanceof Stripe.errors.StripeRateLimitError) {
      return new ProviderUnavailableError(`Stripe is unavailable (${err.type})`);
    }
    if (err instanceof Stripe.errors.StripeError) return new ProviderRejectedError(`Stripe refused the request: ${String(redact(err.message))}`, err.code ?? err.type);
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The Stripe events this service follows, in the payment's terms. */
export function eventsOf(event: Stripe.Event): ProviderEvent[] {
  switch (event.type) {
    case 'payment_intent.amount_capturable_updated':
      return [{ id: event.id, reference: event.data.object.id, kind: 'authorised' }];
    case 'payment_intent.succeeded':
      return [{ id: event.id, reference: event.data.object.id, kind: 'captured', amountMinor: event.data.object.amount_received }];
    case 'payment_intent.payment_failed': {
      const error = event.data.object.last_payment_error;
      return [{ id: event.id, reference: event.data.object.id, kind: 'failed', failureCode: error?.decline_code ?? error?.code ?? 'payment_failed', failureMessage: error?.message ?? 'the payment failed' }];
    }
    case 'payment_intent.canceled':
      return [{ id: event.id, reference: event.data.object.id, kind: 'voided' }];
    case 'charge.refunded': {
      const charge = event.data.object;
      const intent = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
      return intent ? [{ id: event.id, reference: intent, kind: 'refunded', amountMinor: charge.amount_refunded }] : [];
    }
    default:
      return [];
  }
}
