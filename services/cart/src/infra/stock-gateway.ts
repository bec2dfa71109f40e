import type { InventoryServiceService } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { SkuStock, StockPort } from '../app/ports.js';

/** Inventory's public availability query: one call for all of a cart's SKUs. */
export class StockGateway implements StockPort {
  constructor(private readonly inventory: ServiceClient<typeof InventoryServiceService>) {}

  async availability(skus: readonly string[], ctx?: CallContext): Promise<Map<string, SkuStock>> {
    if (skus.length === 0) return new Map();
    const { availability } = await this.inventory.getAvailability({ skus: [...new Set(skus)] }, { ctx, token: '' });
    return new Map(availability.map((a) => [a.sku, { inStock: a.inStock, reservable: a.reservable }]));
  }
}
