import { CatalogServiceService } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { PUBLIC, requires } from '../../platform/src/auth.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { defineService } from '../../platform/src/runtime.js';
import { pricingHandlers } from './api/pricing.js';
import { productHandlers } from './api/products.js';
import { productTypeHandlers } from './api/product-types.js';
import { taxonomyHandlers } from './api/taxonomy.js';
import { ProductCatalog } from './app/products.js';
import { productModel } from './infra/models.js';

const write = requires('catalog.products.write');

/** Catalog: products with variants, categories, brands, collections, product types, prices. */
export const catalogService = defineService({
  name: 'catalog',
  definition: CatalogServiceService,
  // Reads are public; what a product read shows (drafts, archived) depends on
  // catalog.products.read_unpublished, checked in the use cases.
  access: {
    createProduct: write,
    getProduct: PUBLIC,
    listProducts: PUBLIC,
    updateProduct: write,
    deleteProduct: write,
    // Internal (no JSON route): cart and checkout call these with a service account
    // (client_credentials) granted the catalog.prices.read scope.
    lookupVariants: requires('catalog.prices.read'),
    selectPrices: requires('catalog.prices.read'),
    createCategory: write,
    getCategory: PUBLIC,
    listCategories: PUBLIC,
    updateCategory: write,
    deleteCategory: write,
    createBrand: write,
    getBrand: PUBLIC,
    listBrands: PUBLIC,
    updateBrand: write,
    deleteBrand: write,
    createCollection: write,
    getCollection: PUBLIC,
    listCollections: PUBLIC,
    updateCollection: write,
    deleteCollection: write,
    createProductType: write,
    getProductType: PUBLIC,
    listProductTypes: PUBLIC,
    updateProductType: write,
    // Price list management is staff work on the catalog.
    createPriceList: write,
    listPriceLists: write,
    updatePriceList: write,
    setPriceTiers: write,
    listPriceTiers: write,
  },
  streams: [domainStream('catalog')],
  address: (config) => config.catalogAddr,
  async start({ logger, db, nats }) {
    const products = productModel(db);
    const relay = startOutboxRelay({ js: nats.js, models: [products], logger });
    const catalog = new ProductCatalog(products, () => relay.kick());
    return {
      handlers: { ...productHandlers(catalog), ...taxonomyHandlers(), ...productTypeHandlers(), ...pricingHandlers() },
      stop: () => relay.stop(),
    };
  },
});
