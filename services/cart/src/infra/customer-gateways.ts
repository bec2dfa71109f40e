import type { IdentityServiceService } from '../../../../gen/shop/identity/v1/identity_service.js';
import type { InventoryServiceService } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { AddressFields } from '../../../platform/src/address.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';

/**
 * Calls made on the shopper's behalf, with their own token (the client forwards the
 * caller's bearer token): their address book at identity, their back-in-stock
 * subscriptions at inventory. No service account can read an address book.
 */
export class CustomerGateways {
  constructor(
    private readonly identity: ServiceClient<typeof IdentityServiceService>,
    private readonly inventory: ServiceClient<typeof InventoryServiceService>,
  ) {}

  /** One entry of the caller's address book, or a 400 naming `field` when it has none by that id. */
  async address(id: string, field: string, ctx: CallContext): Promise<AddressFields> {
    const { addresses } = await this.identity.listAddresses({}, { ctx });
    const found = addresses.find((a) => a.id === id);
    if (!found) throw new DomainError('invalid_argument', 'ADDRESS_NOT_FOUND', `your address book has no address ${id}`, {}, [{ field, description: 'is not an address in your address book' }]);
    return { fullName: found.fullName, company: found.company, line1: found.line1, line2: found.line2, city: found.city, region: found.region, postalCode: found.postalCode, countryCode: found.countryCode, phone: found.phone };
  }

  /** Subscribes the caller to a SKU's return to stock (idempotent at inventory). */
  async notifyWhenAvailable(sku: string, ctx: CallContext): Promise<void> {
    await this.inventory.createBackInStockSubscription({ sku }, { ctx });
  }
}
