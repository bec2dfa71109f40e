import type { InventoryServiceService } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { StockSource } from '../app/read-model.js';

const BATCH = 500; // GetAvailability's limit per call

/** In-stock flags from inventory's public availability query, 500 SKUs per call. */
export function inventoryStockSource(inventory: ServiceClient<typeof InventoryServiceService>): StockSource {
  return async (skus) => {
    const flags = new Map<string, boolean>();
    const unique = [...new Set(skus)];
    for (let i = 0; i < unique.length; i += BATCH) {
      const { availability } = await inventory.getAvailability({ skus: unique.slice(i, i + BATCH) }, { timeoutMs: 10_000 });
      for (const a of availability) flags.set(a.sku, a.inStock);
    }
    return flags;
  };
}
