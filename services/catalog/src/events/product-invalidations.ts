import type { NatsConnection } from '@nats-io/transport-node';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../../../../gen/shop/catalog/v1/events.js';
import { followEvents } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import { SUBJECTS } from '../app/products.js';
import type { LocalProductCache } from '../infra/local-product-cache.js';

/**
 * Keeps this replica's in-process product cache in step with writes made by any
 * replica, from the catalog's own product events. Whenever delivery may have had a
 * gap the cache is dropped, and it fills again only once the subscriptions are live.
 */
export function followProductInvalidations(nc: NatsConnection, cache: LocalProductCache, logger: Logger): Promise<{ stop(): void }> {
  return followEvents(nc, {
    logger,
    handlers: {
      // Created and updated events carry the whole product (default locale): it replaces what we hold.
      [SUBJECTS.created]: (data) => {
        const product = ProductCreated.decode(data).product;
        if (product?.id) cache.put(product);
      },
      [SUBJECTS.updated]: (data) => {
        const product = ProductUpdated.decode(data).product;
        if (product?.id) cache.put(product);
      },
      [SUBJECTS.deleted]: (data) => {
        const id = ProductDeleted.decode(data).productId;
        if (id) cache.invalidate(id, 'deleted');
      },
    },
    onGap: () => cache.close(),
    onLive: () => cache.open(),
  });
}
