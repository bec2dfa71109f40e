import type { CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';

export type ProductTypeMethods = 'createProductType' | 'getProductType' | 'listProductTypes' | 'updateProductType';

const notBuilt = (method: string) => async (): Promise<never> => {
  throw new DomainError('unavailable', 'NOT_BUILT_YET', `${method} is not built yet`, { method });
};

/** Product types and their attribute definitions. */
export function productTypeHandlers(): ServiceHandlers<Pick<typeof CatalogServiceService, ProductTypeMethods>> {
  return {
    createProductType: notBuilt('CreateProductType'),
    getProductType: notBuilt('GetProductType'),
    listProductTypes: notBuilt('ListProductTypes'),
    updateProductType: notBuilt('UpdateProductType'),
  };
}
