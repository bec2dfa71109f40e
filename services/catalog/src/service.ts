import { CatalogServiceService } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { PUBLIC, requires } from '../../platform/src/auth.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { defineService } from '../../platform/src/runtime.js';
import { catalogHandlers } from './api/handlers.js';
import { ProductCatalog } from './app/products.js';
import { productModel } from './infra/models.js';

/** Catalog: products (this slice), later variants, categories, prices. */
export const catalogService = defineService({
  name: 'catalog',
  definition: CatalogServiceService,
  // Reads are public; what a read shows (drafts, archived) depends on
  // catalog.products.read_unpublished, checked in the handlers.
  access: {
    createProduct: requires('catalog.products.write'),
    getProduct: PUBLIC,
    listProducts: PUBLIC,
    updateProduct: requires('catalog.products.write'),
    deleteProduct: requires('catalog.products.write'),
  },
  streams: [domainStream('catalog')],
  address: (config) => config.catalogAddr,
  async start({ logger, db, nats }) {
    const products = productModel(db);
    const relay = startOutboxRelay({ js: nats.js, models: [products], logger });
    const catalog = new ProductCatalog(products, () => relay.kick());
    return { handlers: catalogHandlers(catalog), stop: () => relay.stop() };
  },
});
