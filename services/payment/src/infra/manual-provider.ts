import { randomUUID } from 'node:crypto';
import type { AuthorisationResult, AuthoriseRequest, PaymentProvider, ProviderRefs } from '../app/providers.js';

/**
 * Bank transfer and cash on delivery: nothing is charged online. A payment waits in
 * requires_action until staff mark it paid (captured); a refund is recorded here and
 * paid back outside the shop.
 */
export class ManualProvider implements PaymentProvider {
  readonly name = 'manual';
  readonly needsToken = false;

  async authorise(_req: AuthoriseRequest): Promise<AuthorisationResult> {
    return { state: 'requires_action', reference: `manual_${randomUUID()}` };
  }

  async capture({ reference }: ProviderRefs): Promise<{ reference: string }> {
    return { reference };
  }

  async void({ reference }: ProviderRefs): Promise<{ reference: string }> {
    return { reference };
  }

  async refund({ reference }: ProviderRefs): Promise<{ reference: string }> {
    return { reference: `${reference}_refund_${randomUUID().slice(0, 8)}` };
  }
}
