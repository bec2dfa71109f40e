import type { CatalogServiceService, Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { hasPermission, type Caller } from '../../../platform/src/auth.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { ProductFields } from '../domain/product.js';
import type { ProductCatalog } from '../app/products.js';

const money = (m: { currencyCode: string; amountMinor: number } | undefined) => (m ? { currencyCode: m.currencyCode, amountMinor: m.amountMinor } : undefined);

function fieldsFrom(product: Product | undefined): ProductFields {
  if (!product) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'product is required', {}, [{ field: 'product', description: 'is required' }]);
  return {
    name: product.name,
    description: product.description,
    sku: product.sku,
    price: money(product.price),
    status: product.status ?? ProductStatus.PRODUCT_STATUS_UNSPECIFIED,
    slug: product.slug,
    seoTitle: product.seoTitle,
    seoDescription: product.seoDescription,
    productTypeId: product.productTypeId,
    brandId: product.brandId,
    categoryIds: [...product.categoryIds],
    options: product.options.map((o) => ({ name: o.name, values: [...o.values] })),
    variants: product.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      barcode: v.barcode,
      optionValues: { ...v.optionValues },
      price: money(v.price),
      weightGrams: v.weightGrams,
      dimensions: v.dimensions ? { ...v.dimensions } : undefined,
      images: v.images.map((i) => ({ url: i.url, altText: i.altText })),
      trackStock: v.trackStock,
    })),
    images: product.images.map((i) => ({ url: i.url, altText: i.altText })),
    attributes: product.attributes.map((a) => ({ code: a.code, text: a.text, number: a.number, boolean: a.boolean, values: [...a.values] })),
    translations: product.translations.map((t) => ({ ...t })),
  };
}

/** Drafts and archived products are visible only to callers allowed to see unpublished ones. */
export const viewerOf = (caller: Caller | null) => ({ seesUnpublished: hasPermission(caller, 'catalog.products.read_unpublished') });

export type ProductMethods = 'createProduct' | 'getProduct' | 'listProducts' | 'updateProduct' | 'deleteProduct';

/** Product handlers: proto in, use case, proto out. */
export function productHandlers(catalog: ProductCatalog): ServiceHandlers<Pick<typeof CatalogServiceService, ProductMethods>> {
  return {
    createProduct: async (req, ctx) => catalog.create(fieldsFrom(req.product), ctx),
    getProduct: async (req, ctx) => catalog.get(req.id, viewerOf(ctx.caller), req.locale),
    listProducts: async (req, ctx) => catalog.list(req, viewerOf(ctx.caller)),
    updateProduct: async (req, ctx) => catalog.update(req.product?.id ?? '', fieldsFrom(req.product), req.updateMask, req.product?.etag ?? '', ctx),
    deleteProduct: async (req, ctx) => {
      await catalog.delete(req.id, req.etag, ctx);
      return {};
    },
  };
}
