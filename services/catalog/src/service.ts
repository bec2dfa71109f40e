import { CatalogServiceService } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { PUBLIC, STAFF } from '../../platform/src/auth.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { defineService } from '../../platform/src/grpc/server.js';
import type { ServiceModule } from '../../platform/src/runtime.js';
import { catalogHandlers } from './api/handlers.js';
import { ProductCatalog } from './app/products.js';
import { productModel } from './infra/models.js';

/** Catalog: products (this slice), later variants, categories, prices. */
export const catalogService: ServiceModule = {
  name: 'catalog',
  streams: [domainStream('catalog')],
  address: (config) => config.catalogAddr,
  async start({ logger, db, nats }) {
    const products = productModel(db);
    const relay = startOutboxRelay({ js: nats.js, models: [products], logger });
    const catalog = new ProductCatalog(products, () => relay.kick());
    return {
      registration: defineService({
        definition: CatalogServiceService,
        handlers: catalogHandlers(catalog),
        access: { createProduct: STAFF, getProduct: PUBLIC, listProducts: PUBLIC, updateProduct: STAFF, deleteProduct: STAFF },
      }),
      stop: () => relay.stop(),
    };
  },
};
