import { ProductStatus, type Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { Brand, Category } from '../../../../gen/shop/catalog/v1/taxonomy.js';

/** Builders of catalog messages for the search unit tests. */
export function product(fields: Partial<Product> & { id: string; name: string }): Product {
  return {
    description: '', sku: '', price: undefined, status: ProductStatus.PRODUCT_STATUS_ACTIVE, etag: '"1"',
    createTime: new Date(0), updateTime: undefined, slug: '', seoTitle: '', seoDescription: '', productTypeId: '',
    brandId: '', categoryIds: [], options: [], variants: [], images: [], attributes: [], translations: [],
    ...fields,
  };
}

export const brand = (id: string, name: string): Brand => ({ id, name, slug: '', description: '', logoUrl: '', etag: '', createTime: undefined, updateTime: undefined });

export function category(id: string, name: string, ancestors: Array<[string, string]> = []): Category {
  return {
    id, name, slug: '', parentId: ancestors[ancestors.length - 1]?.[0] ?? '', position: 0, description: '', etag: '',
    createTime: undefined, updateTime: undefined, ancestors: ancestors.map(([aid, aname]) => ({ id: aid, name: aname, slug: '' })),
  };
}

export const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });
