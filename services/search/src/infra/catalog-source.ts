import { ProductStatus, type CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import type { Brand, Category } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { Logger } from '../../../platform/src/logger.js';
import { errorMeta } from '../../../platform/src/events/index.js';
import type { CatalogProduct, CatalogSource } from '../app/read-model.js';

const PAGE_SIZE = 100;

/**
 * Reads the catalog the way a shopper sees it (no token: active products only, which
 * is exactly what the index holds) through the public ListProducts, a page at a time,
 * and looks up each brand, category and product type once per rebuild. A brand or category the
 * catalog cannot describe is indexed by id without a name rather than failing the
 * whole rebuild.
 */
export function catalogSource(catalog: ServiceClient<typeof CatalogServiceService>, logger: Logger): CatalogSource {
  return async function* pages(): AsyncIterable<CatalogProduct[]> {
    const brands = new Map<string, Promise<Brand | undefined>>();
    const categories = new Map<string, Promise<Category | undefined>>();
    const brandOf = (id: string) => {
      if (!brands.has(id)) brands.set(id, catalog.getBrand({ id }).catch((err: unknown) => {
        logger.warn('brand lookup failed during rebuild', { brandId: id, ...errorMeta(err) });
        return undefined;
      }));
      return brands.get(id)!;
    };
    const categoryOf = (id: string) => {
      if (!categories.has(id)) categories.set(id, catalog.getCategory({ id }).catch((err: unknown) => {
        logger.warn('category lookup failed during rebuild', { categoryId: id, ...errorMeta(err) });
        return undefined;
      }));
      return categories.get(id)!;
    };
    const productTypes = new Map<string, Promise<ProductType | undefined>>();
    const productTypeOf = (id: string) => {
      if (!productTypes.has(id)) productTypes.set(id, catalog.getProductType({ id }).catch((err: unknown) => {
        logger.warn('product type lookup failed during rebuild', { productTypeId: id, ...errorMeta(err) });
        return undefined;
      }));
      return productTypes.get(id)!;
    };
    let pageToken = '';
    do {
      const page = await catalog.listProducts({
        pageSize: PAGE_SIZE, pageToken, status: ProductStatus.PRODUCT_STATUS_UNSPECIFIED, categoryId: '', brandId: '', updatedAfter: undefined, collectionId: '', locale: '',
      }, { timeoutMs: 10_000 });
      yield await Promise.all(page.products.map(async (product) => ({
        product,
        brand: product.brandId ? await brandOf(product.brandId) : undefined,
        categories: (await Promise.all(product.categoryIds.map(categoryOf))).filter((c): c is Category => c !== undefined),
        productType: product.productTypeId ? await productTypeOf(product.productTypeId) : undefined,
      })));
      pageToken = page.nextPageToken;
    } while (pageToken);
  };
}
