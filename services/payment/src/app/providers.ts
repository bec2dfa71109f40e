import type { Money } from '../../../platform/src/money.js';

/** What a provider says after an authorisation attempt. A decline is a result, not an error. */
export interface AuthorisationResult {
  state: 'requires_action' | 'authorised' | 'captured' | 'failed';
  /** The provider's id of the payment (PaymentIntent, PayPal order, test reference). */
  reference: string;
  /** The provider's id of the authorisation, where it has one apart from the payment (PayPal). */
  authorisationReference?: string;
  nextActionUrl?: string;
  failureCode?: string;
  failureMessage?: string;
}

/** The provider ids a later operation needs: the payment's, its authorisation's, its capture's. */
export interface ProviderRefs {
  reference: string;
  authorisation: string;
  capture: string;
}

export interface AuthoriseRequest {
  orderId: string;
  amount: Money;
  /** A provider token for the payment method; never card data. */
  paymentMethodToken: string;
  providerCustomerId: string;
  returnUrl: string;
  /** manual: authorise now, capture later; immediate: take the money at once. */
  capture: 'manual' | 'immediate';
  /** Derived from the caller's idempotency key, so a retried call never charges twice. */
  idempotencyKey: string;
}

/** A provider webhook event in the payment's terms. */
export interface ProviderEvent {
  /** The provider's event id (for the record; duplicates are harmless anyway). */
  id: string;
  /** The provider's id of the payment it concerns. */
  reference: string;
  kind: 'authorised' | 'captured' | 'failed' | 'voided' | 'refunded';
  /** captured: the amount taken; refunded: the provider's running total refunded. */
  amountMinor?: number;
  /** The provider's id of this step (an authorisation or capture id), when it has its own. */
  transactionReference?: string;
  failureCode?: string;
  failureMessage?: string;
}

/**
 * One payment provider. Every mutating call carries an idempotency key the provider
 * de-duplicates on, so a call retried after a crash or a timeout never charges,
 * captures or refunds twice.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Whether a payment method token is required to authorise. */
  readonly needsToken: boolean;
  authorise(req: AuthoriseRequest): Promise<AuthorisationResult>;
  capture(refs: ProviderRefs, amount: Money, idempotencyKey: string): Promise<{ reference: string }>;
  void(refs: ProviderRefs, idempotencyKey: string): Promise<{ reference: string }>;
  refund(refs: ProviderRefs, amount: Money, idempotencyKey: string): Promise<{ reference: string }>;
  /**
   * Verifies a webhook delivery's signature over the raw body and returns the events it
   * carries (those this service does not follow are dropped). Throws
   * WebhookSignatureError for a bad or missing signature.
   */
  parseWebhook?(rawBody: Buffer, header: (name: string) => string | undefined): Promise<ProviderEvent[]>;
}

/** A webhook whose signature does not verify: answered 400, nothing changes. */
export class WebhookSignatureError extends Error {
  override readonly name = 'WebhookSignatureError';
}

/** A provider that could not be reached or answered with a server error: retry later, safely. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

/** The provider refused an operation (e.g. a refund on a disputed charge). */
export class ProviderRejectedError extends Error {
  override readonly name = 'ProviderRejectedError';
  constructor(message: string, readonly code: string) {
    super(message);
  }
}
