import type { CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';

export type TaxonomyMethods =
  | 'createCategory' | 'getCategory' | 'listCategories' | 'updateCategory' | 'deleteCategory'
  | 'createBrand' | 'getBrand' | 'listBrands' | 'updateBrand' | 'deleteBrand'
  | 'createCollection' | 'getCollection' | 'listCollections' | 'updateCollection' | 'deleteCollection';

const notBuilt = (method: string) => async (): Promise<never> => {
  throw new DomainError('unavailable', 'NOT_BUILT_YET', `${method} is not built yet`, { method });
};

/** Categories, brands and collections. */
export function taxonomyHandlers(): ServiceHandlers<Pick<typeof CatalogServiceService, TaxonomyMethods>> {
  return {
    createCategory: notBuilt('CreateCategory'),
    getCategory: notBuilt('GetCategory'),
    listCategories: notBuilt('ListCategories'),
    updateCategory: notBuilt('UpdateCategory'),
    deleteCategory: notBuilt('DeleteCategory'),
    createBrand: notBuilt('CreateBrand'),
    getBrand: notBuilt('GetBrand'),
    listBrands: notBuilt('ListBrands'),
    updateBrand: notBuilt('UpdateBrand'),
    deleteBrand: notBuilt('DeleteBrand'),
    createCollection: notBuilt('CreateCollection'),
    getCollection: notBuilt('GetCollection'),
    listCollections: notBuilt('ListCollections'),
    updateCollection: notBuilt('UpdateCollection'),
    deleteCollection: notBuilt('DeleteCollection'),
  };
}
