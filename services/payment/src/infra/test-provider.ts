import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import type { Money } from '../../../platform/src/money.js';
import { WebhookSignatureError, type AuthorisationResult, type AuthoriseRequest, type PaymentProvider, type ProviderEvent, type ProviderRefs } from '../app/providers.js';

/** The tokens that drive the sandbox (the same state machine the real providers use). */
export const TEST_TOKENS = { success: 'tok_test_success', decline: 'tok_test_decline', requiresAction: 'tok_test_requires_action' } as const;

/**
 * The sandbox provider for development, demos and end-to-end tests (as Vendure's dummy
 * handler and Saleor's dummy gateway). Enabled only by configuration and never in
 * production. References derive from the idempotency key, so a retried call answers
 * the same, as a real provider would. Its webhooks use Stripe's signature scheme
 * (verified by the Stripe SDK) with the sandbox's own secret, so the same webhook path
 * (requires_action -> authorised or failed) is exercised end to end.
 */
export class TestProvider implements PaymentProvider {
  readonly name = 'test';
  readonly needsToken = true;
  private readonly verifier = new Stripe('sk_test_sandbox_unused');

  constructor(private readonly webhookSecret: string) {}

  async authorise(req: AuthoriseRequest): Promise<AuthorisationResult> {
    const reference = `test_pay_${createHash('sha256').update(req.idempotencyKey).digest('hex').slice(0, 24)}`;
    switch (req.paymentMethodToken) {
      case TEST_TOKENS.success:
        return { state: req.capture === 'immediate' ? 'captured' : 'authorised', reference };
      case TEST_TOKENS.decline:
        return { state: 'failed', reference, failureCode: 'card_declined', failureMessage: 'the test card was declined' };
      case TEST_TOKENS.requiresAction:
        return { state: 'requires_action', reference, nextActionUrl: `https://sandbox.shopmesh.invalid/authenticate/${reference}` };
      default:
        return { state: 'failed', reference, failureCode: 'invalid_token', failureMessage: `the sandbox knows only ${Object.values(TEST_TOKENS).join(', ')}` };
    }
  }

  async capture({ reference }: ProviderRefs, _amount: Money, key: string): Promise<{ reference: string }> {
    return { reference: `${reference}_cap_${short(key)}` };
  }

  async void({ reference }: ProviderRefs): Promise<{ reference: string }> {
    return { reference };
  }

  async refund({ reference }: ProviderRefs, _amount: Money, key: string): Promise<{ reference: string }> {
    return { reference: `${reference}_ref_${short(key)}` };
  }

  /** Events `{ id, type: "action_succeeded" | "action_failed", reference }`, signed as Stripe signs. */
  async parseWebhook(rawBody: Buffer, header: (name: string) => string | undefined): Promise<ProviderEvent[]> {
    const signature = header('stripe-signature') ?? header('shop-test-signature');
    if (!signature) throw new WebhookSignatureError('the signature header is missing');
    let event: { id?: unknown; type?: unknown; reference?: unknown };
    try {
      event = this.verifier.webhooks.constructEvent(rawBody, signature, this.webhookSecret) as unknown as typeof event;
    } catch {
      throw new WebhookSignatureError('the sandbox signature does not verify');
    }
    if (typeof event.id !== 'string' || typeof event.reference !== 'string') return [];
    if (event.type === 'action_succeeded') return [{ id: event.id, reference: event.reference, kind: 'authorised' }];
    if (event.type === 'action_failed') return [{ id: event.id, reference: event.reference, kind: 'failed', failureCode: 'authentication_failed', failureMessage: 'the customer did not complete authentication' }];
    return [];
  }
}

const short = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);
