import type { NatsConnection } from '@nats-io/transport-node';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../../../../gen/shop/catalog/v1/events.js';
import { AvailabilityChanged } from '../../../../gen/shop/inventory/v1/events.js';
import { followEvents } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { CachedCatalog } from '../infra/cached-catalog.js';
import type { CachedStock } from '../infra/cached-stock.js';

/**
 * Keeps this replica's caches current: catalog product events replace the product's
 * SKU facts, inventory availability changes the SKU's level. An event missed while
 * disconnected is covered by the caches' time limits.
 */
export function followCacheInvalidation(nc: NatsConnection, caches: { catalog: CachedCatalog; stock: CachedStock }, logger: Logger): Promise<{ stop(): void }> {
  return followEvents(nc, {
    logger,
    handlers: {
      'shop.catalog.product_created': (data) => {
        const { product } = ProductCreated.decode(data);
        if (product) caches.catalog.learnProduct(product);
      },
      'shop.catalog.product_updated': (data) => {
        const { product } = ProductUpdated.decode(data);
        if (product) caches.catalog.learnProduct(product);
      },
      'shop.catalog.product_deleted': (data) => {
        const e = ProductDeleted.decode(data);
        caches.catalog.forgetProduct(e.productId, e.sku ? [e.sku] : []);
      },
      'shop.inventory.availability_changed': (data) => {
        const { sku, available } = AvailabilityChanged.decode(data);
        if (sku) caches.stock.learn(sku, Number(available));
      },
    },
  });
}
