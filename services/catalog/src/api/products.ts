import type { CatalogServiceService, Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { hasPermission, type Caller } from '../../../platform/src/auth.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { ProductFields } from '../domain/product.js';
import type { ProductCatalog } from '../app/products.js';

function fieldsFrom(product: Product | undefined): ProductFields {
  if (!product) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'product is required', {}, [{ field: 'product', description: 'is required' }]);
  return {
    name: product.name,
    description: product.description,
    sku: product.sku,
    price: product.price ? { currencyCode: product.price.currencyCode, amountMinor: product.price.amountMinor } : undefined,
    status: product.status ?? ProductStatus.PRODUCT_STATUS_UNSPECIFIED,
  };
}

/** Drafts and archived products are visible only to callers allowed to see unpublished ones. */
export const viewerOf = (caller: Caller | null) => ({ seesUnpublished: hasPermission(caller, 'catalog.products.read_unpublished') });

export type ProductMethods = 'createProduct' | 'getProduct' | 'listProducts' | 'updateProduct' | 'deleteProduct';

/** Product handlers: proto in, use case, proto out. */
export function productHandlers(catalog: ProductCatalog): ServiceHandlers<Pick<typeof CatalogServiceService, ProductMethods>> {
  return {
    createProduct: async (req, ctx) => catalog.create(fieldsFrom(req.product), ctx),
    getProduct: async (req, ctx) => catalog.get(req.id, viewerOf(ctx.caller)),
    listProducts: async (req, ctx) => catalog.list(req, viewerOf(ctx.caller)),
    updateProduct: async (req, ctx) => catalog.update(req.product?.id ?? '', fieldsFrom(req.product), req.updateMask, req.product?.etag ?? '', ctx),
    deleteProduct: async (req, ctx) => {
      await catalog.delete(req.id, req.etag, ctx);
      return {};
    },
  };
}
