import { CartServiceService } from '../../../gen/shop/cart/v1/cart_service.js';
import { CatalogServiceService } from '../../../gen/shop/catalog/v1/catalog_service.js';
import { IdentityServiceService } from '../../../gen/shop/identity/v1/identity_service.js';
import { InventoryServiceService } from '../../../gen/shop/inventory/v1/inventory_service.js';
import { ShippingServiceService } from '../../../gen/shop/shipping/v1/shipping_service.js';
import { PUBLIC, SELF, requires } from '../../platform/src/auth.js';
import { loadConfig } from '../../platform/src/config.js';
import { domainStream } from '../../platform/src/events/index.js';
import { createServiceClient } from '../../platform/src/grpc/client.js';
import { defineService } from '../../platform/src/runtime.js';
import { meshTokenSource } from '../../platform/src/service-token.js';
import { cartHandlers } from './api/handlers.js';
import { wishlistHandlers } from './api/wishlist-handlers.js';
import { startAbandonedCartSweeper } from './app/abandoned-carts.js';
import { Carts, type CartPricing } from './app/carts.js';
import { Wishlists } from './app/wishlists.js';
import { TaxRules } from './app/tax-rules.js';
import { cartConfigSchema } from './config.js';
import { CartStore } from './infra/cart-store.js';
import { CatalogGateway } from './infra/catalog-gateway.js';
import { ShippingGateway } from './infra/shipping-gateway.js';
import { StockGateway } from './infra/stock-gateway.js';
import { CustomerGateways } from './infra/customer-gateways.js';
import { CachedCatalog } from './infra/cached-catalog.js';
import { CachedShipping } from './infra/cached-shipping.js';
import { CachedStock } from './infra/cached-stock.js';
import { ExpiringCache } from './infra/expiring-cache.js';
import { followCacheInvalidation } from './events/cache-invalidation.js';
import { taxRuleModel } from './infra/tax-rules.js';
import { wishlistModel } from './infra/wishlists.js';

/** Cart: shopping carts in Redis, priced live from the catalog, with tax rules; and wishlists. */
export const cartService = defineService({
  name: 'cart',
  definition: CartServiceService,
  // Cart methods are public: who may use a cart is decided per cart (its customer's
  // token or the guest cart's token), in the use cases.
  access: {
    createCart: PUBLIC,
    getCart: PUBLIC,
    updateCart: PUBLIC,
    addLine: PUBLIC,
    updateLine: PUBLIC,
    removeLine: PUBLIC,
    mergeCart: PUBLIC,
    listShippingOptions: PUBLIC,
    beginCheckout: requires('carts.checkout'),
    endCheckout: requires('carts.checkout'),
    createTaxRule: requires('tax.manage'),
    listTaxRules: requires('tax.manage'),
    deleteTaxRule: requires('tax.manage'),
    // Wishlists are the signed-in customer's own; a shared one is read by its link token.
    createWishlist: SELF,
    listWishlists: SELF,
    getWishlist: SELF,
    updateWishlist: SELF,
    deleteWishlist: SELF,
    addWishlistItem: SELF,
    removeWishlistItem: SELF,
    moveWishlistItemToCart: SELF,
    notifyWhenAvailable: SELF,
    shareWishlist: SELF,
    unshareWishlist: SELF,
    getSharedWishlist: PUBLIC,
  },
  streams: [domainStream('cart')],
  address: (config) => config.cartAddr,
  async start({ config, db, redis, env, nats, logger }) {
    const own = loadConfig(cartConfigSchema, env);
    const tokens = meshTokenSource('cart', env, config.identityAddr);
    const catalog = createServiceClient(CatalogServiceService, { name: 'catalog', address: config.catalogAddr, idempotent: ['lookupVariants', 'selectPrices'] });
    const taxModel = taxRuleModel(db);
    await taxModel.createIndexes();
    const taxRules = new TaxRules(taxModel);
    // This replica's caches of catalog, stock and shipping answers (see CartPricing).
    const catalogPort = new CachedCatalog(new CatalogGateway(catalog, tokens.source), {
      skus: new ExpiringCache(own.cartCatalogCacheSeconds * 1000),
      prices: new ExpiringCache(own.cartPriceCacheSeconds * 1000),
    });
    const wishlistDocs = wishlistModel(db);
    await wishlistDocs.createIndexes();
    const store = new CartStore(redis, own.cartTtlSeconds);
    const shippingClient = createServiceClient(ShippingServiceService, { name: 'shipping', address: config.shippingAddr, idempotent: ['quoteShipping'] });
    const inventory = createServiceClient(InventoryServiceService, { name: 'inventory', address: config.inventoryAddr, idempotent: ['getAvailability'] });
    const identity = createServiceClient(IdentityServiceService, { name: 'identity', address: config.identityAddr, idempotent: ['listAddresses'] });
    const customers = new CustomerGateways(identity, inventory);
    const stock = new CachedStock(new StockGateway(inventory), new ExpiringCache(own.cartStockCacheSeconds * 1000));
    const shipping = new ShippingGateway(shippingClient);
    const pricing: CartPricing = {
      cached: { catalog: catalogPort, taxRate: taxRules.rateFor, shipping: new CachedShipping(shipping, new ExpiringCache(own.cartShippingCacheSeconds * 1000, 10_000)), stock },
      live: { catalog: catalogPort.live(), taxRate: taxRules.rateFor, shipping, stock: stock.live() },
    };
    const invalidation = await followCacheInvalidation(nats.nc, { catalog: catalogPort, stock }, logger);
    const carts = new Carts(store, pricing, customers, {
      maxLineQuantity: own.cartMaxLineQuantity,
      maxLines: own.cartMaxLines,
      maxCartQuantity: own.cartMaxQuantity,
    });
    const sweeper = startAbandonedCartSweeper({ store, carts, js: nats.js, logger, abandonAfterMs: own.cartAbandonAfterSeconds * 1000, intervalMs: own.cartAbandonSweepSeconds * 1000 });
    return {
      handlers: { ...cartHandlers(carts, taxRules), ...wishlistHandlers(new Wishlists(wishlistDocs, catalogPort, carts, customers)) },
      stop: async () => {
        await sweeper.stop();
        invalidation.stop();
        catalog.close();
        shippingClient.close();
        inventory.close();
        identity.close();
        tokens.close();
      },
    };
  },
});
