import { CatalogServiceService } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { InventoryServiceService } from '../../../gen/shop/inventory/v1/inventory_service.js';
import { SearchServiceService } from '../../../gen/shop/search/v1/search_service.js';
import { PUBLIC, requires } from '../../platform/src/auth.js';
import { domainStream, errorMeta } from '../../platform/src/events/index.js';
import { createServiceClient } from '../../platform/src/grpc/client.js';
import { defineService } from '../../platform/src/runtime.js';
import { searchHandlers } from './api/handlers.js';
import { SearchReadModel } from './app/read-model.js';
import { durableName, followCatalog } from './events/catalog-consumer.js';
import { followAvailability } from './events/inventory-consumer.js';
import { catalogSource } from './infra/catalog-source.js';
import { inventoryStockSource } from './infra/stock-source.js';

const REBUILD_RETRY_MS = 5_000;

/** Search: an in-memory read model of the active catalog, fed by catalog events. */
export const searchService = defineService({
  name: 'search',
  definition: SearchServiceService,
  access: {
    searchProducts: PUBLIC,
    suggestProducts: PUBLIC,
    rebuildIndex: requires('catalog.products.write'),
  },
  // Search publishes nothing, but it follows SHOP_CATALOG and SHOP_INVENTORY and must be
  // able to start before either service has ever run, so it makes sure the streams exist.
  streams: [domainStream('catalog'), domainStream('inventory')],
  address: (config) => config.searchAddr,
  async start({ config, logger, db, nats, env }) {
    const catalog = createServiceClient(CatalogServiceService, {
      name: 'catalog',
      address: config.catalogAddr,
      idempotent: ['listProducts', 'getBrand', 'getCategory', 'getProductType'],
    });
    const inventory = createServiceClient(InventoryServiceService, { name: 'inventory', address: config.inventoryAddr, idempotent: ['getAvailability'] });
    const readModel = new SearchReadModel(catalogSource(catalog, logger), inventoryStockSource(inventory));
    // Follow events first: whatever happens while the first rebuild reads the catalog is replayed onto it.
    const consumer = await followCatalog({ nats, db, logger, readModel, durable: durableName(env) });
    const stock = await followAvailability({ nats, db, logger, readModel, durable: durableName(env) });
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const initialRebuild = async (): Promise<void> => {
      try {
        const result = await readModel.rebuild();
        logger.info('search index built', { ...result });
      } catch (err) {
        // The catalog may not be up yet (separate processes): serve what events bring and try again.
        logger.warn('search index rebuild failed, retrying', { retryInMs: REBUILD_RETRY_MS, ...errorMeta(err) });
        if (!stopped) retry = setTimeout(() => void initialRebuild(), REBUILD_RETRY_MS);
      }
    };
    await initialRebuild();
    return {
      handlers: searchHandlers(readModel),
      stop: async () => {
        stopped = true;
        clearTimeout(retry);
        await consumer.stop();
        await stock.stop();
        catalog.close();
        inventory.close();
      },
    };
  },
});
