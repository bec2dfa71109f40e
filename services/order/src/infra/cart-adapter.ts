import type { Cart, CartServiceService } from '../../../../gen/shop/cart/v1/cart_service.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { ServiceTokenSource } from '../../../platform/src/service-token.js';
import type { CartPort, CartProof } from '../app/ports.js';

/** The cart service's checkout hold, called as the order service's account (carts.checkout). */
export class CartAdapter implements CartPort {
  constructor(
    private readonly carts: ServiceClient<typeof CartServiceService>,
    private readonly tokens: ServiceTokenSource,
  ) {}

  async begin(cartId: string, checkoutId: string, proof: CartProof): Promise<Cart> {
    return this.carts.beginCheckout({ cartId, checkoutId, cartToken: proof.cartToken, customerId: proof.customerId ?? '' }, { token: await this.tokens.token() });
  }

  async end(cartId: string, checkoutId: string, outcome: { completed: boolean; orderId: string }): Promise<void> {
    await this.carts.endCheckout({ cartId, checkoutId, completed: outcome.completed, orderId: outcome.orderId }, { token: await this.tokens.token() });
  }
}
