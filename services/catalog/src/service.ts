import { CatalogServiceService } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { PUBLIC, requires } from '../../platform/src/auth.js';
import { domainStream, errorMeta, startOutboxRelay } from '../../platform/src/events/index.js';
import { defineService } from '../../platform/src/runtime.js';
import { pricingHandlers } from './api/pricing.js';
import { importHandlers } from './api/product-import.js';
import { productHandlers } from './api/products.js';
import { productTypeHandlers } from './api/product-types.js';
import { taxonomyHandlers } from './api/taxonomy.js';
import { Brands } from './app/brands.js';
import { Categories } from './app/categories.js';
import { Collections } from './app/collections.js';
import { Pricing } from './app/pricing.js';
import { ProductImport } from './app/product-import.js';
import { ProductTypes } from './app/product-types.js';
import { ProductCatalog, type ProductPage } from './app/products.js';
import { CatalogReferences } from './app/references.js';
import { SkuClaims } from './app/sku-claims.js';
import { VariantLookup } from './app/variant-lookup.js';
import { productModel, variantSkuModel } from './infra/models.js';
import { pricingModels } from './infra/price-lists.js';
import { followProductInvalidations } from './events/product-invalidations.js';
import { LocalProductCache } from './infra/local-product-cache.js';
import { ProductCache } from './infra/product-cache.js';
import { PolledListGeneration, ProductListCache } from './infra/product-list-cache.js';
import { taxonomyModels } from './infra/taxonomy-models.js';

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
    // Bulk import and export are staff work; export shows drafts and archived products.
    importProducts: write,
    exportProducts: write,
  },
  streams: [domainStream('catalog')],
  address: (config) => config.catalogAddr,
  async start({ logger, db, nats, redis }) {
    const products = productModel(db);
    const taxonomy = taxonomyModels(db);
    const pricing = pricingModels(db);
    const relay = startOutboxRelay({ js: nats.js, models: [products, taxonomy.categories, taxonomy.brands, taxonomy.collections, taxonomy.productTypes, pricing.priceLists, pricing.tierSets], logger });
    const claims = variantSkuModel(db);
    const skus = new SkuClaims(claims, products);
    const references = new CatalogReferences(taxonomy);
    const generation = new PolledListGeneration(redis);
    await generation.start();
    const local = new LocalProductCache(() => generation.current());
    const invalidations = await followProductInvalidations(nats.nc, local, logger);
    const lists = new ProductListCache<ProductPage>(redis);
    const listsChanged = () => lists.bump();
    const catalog = new ProductCatalog(products, skus, references, { redis: new ProductCache(redis), local, lists }, taxonomy.collections, () => relay.kick());
    const categories = new Categories(taxonomy, products, () => relay.kick(), listsChanged);
    // Finish any category move a crash interrupted (its subtree still has old ancestors).
    void categories.repairPending().catch((err: unknown) => logger.warn('category repair at start failed', errorMeta(err)));
    const brands = new Brands(taxonomy.brands, products, () => relay.kick());
    const collections = new Collections(taxonomy.collections, products, () => relay.kick(), listsChanged);
    const productTypes = new ProductTypes(taxonomy.productTypes, products, () => relay.kick());
    const variants = new VariantLookup(products, claims);
    const prices = new Pricing(pricing, variants, () => relay.kick());
    return {
      handlers: { ...productHandlers(catalog), ...taxonomyHandlers(categories, brands, collections), ...productTypeHandlers(productTypes), ...pricingHandlers(prices, variants), ...importHandlers(new ProductImport(products, catalog)) },
      stop: () => {
        invalidations.stop();
        generation.stop();
        return relay.stop();
      },
    };
  },
});
