import type { CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { Brand, Category, Collection } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { Brands } from '../app/brands.js';
import type { Categories } from '../app/categories.js';
import type { Collections } from '../app/collections.js';
import type { BrandFields, CategoryFields, CollectionFields } from '../app/taxonomy-fields.js';
import { viewerOf } from './products.js';

export type TaxonomyMethods =
  | 'createCategory' | 'getCategory' | 'listCategories' | 'updateCategory' | 'deleteCategory'
  | 'createBrand' | 'getBrand' | 'listBrands' | 'updateBrand' | 'deleteBrand'
  | 'createCollection' | 'getCollection' | 'listCollections' | 'updateCollection' | 'deleteCollection';

const required = (field: string) => new DomainError('invalid_argument', 'INVALID_ARGUMENT', `${field} is required`, {}, [{ field, description: 'is required' }]);

function categoryFields(c: Category | undefined): CategoryFields {
  if (!c) throw required('category');
  return { name: c.name, slug: c.slug, parentId: c.parentId, position: c.position, description: c.description };
}

function brandFields(b: Brand | undefined): BrandFields {
  if (!b) throw required('brand');
  return { name: b.name, slug: b.slug, description: b.description, logoUrl: b.logoUrl };
}

function collectionFields(c: Collection | undefined): CollectionFields {
  if (!c) throw required('collection');
  return { name: c.name, slug: c.slug, productIds: [...c.productIds] };
}

/** Categories, brands and collections: proto in, use case, proto out. */
export function taxonomyHandlers(categories: Categories, brands: Brands, collections: Collections): ServiceHandlers<Pick<typeof CatalogServiceService, TaxonomyMethods>> {
  return {
    createCategory: async (req, ctx) => categories.create(categoryFields(req.category), ctx),
    getCategory: async (req) => categories.get(req.id),
    listCategories: async (req) => categories.list(req),
    updateCategory: async (req, ctx) => categories.update(req.category?.id ?? '', categoryFields(req.category), req.updateMask, req.category?.etag ?? '', ctx),
    deleteCategory: async (req, ctx) => {
      await categories.delete(req.id, ctx);
      return {};
    },
    createBrand: async (req, ctx) => brands.create(brandFields(req.brand), ctx),
    getBrand: async (req) => brands.get(req.id),
    listBrands: async (req) => brands.list(req),
    updateBrand: async (req, ctx) => brands.update(req.brand?.id ?? '', brandFields(req.brand), req.updateMask, req.brand?.etag ?? '', ctx),
    deleteBrand: async (req, ctx) => {
      await brands.delete(req.id, ctx);
      return {};
    },
    createCollection: async (req, ctx) => collections.create(collectionFields(req.collection), ctx),
    getCollection: async (req, ctx) => collections.get(req.id, viewerOf(ctx.caller)),
    listCollections: async (req, ctx) => collections.list(req, viewerOf(ctx.caller)),
    updateCollection: async (req, ctx) =>
      collections.update(req.collection?.id ?? '', collectionFields(req.collection), req.updateMask, req.collection?.etag ?? '', ctx),
    deleteCollection: async (req, ctx) => {
      await collections.delete(req.id, ctx);
      return {};
    },
  };
}
