import type { CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { ProductTypeFields, ProductTypes } from '../app/product-types.js';

export type ProductTypeMethods = 'createProductType' | 'getProductType' | 'listProductTypes' | 'updateProductType';

function fieldsFrom(t: ProductType | undefined): ProductTypeFields {
  if (!t) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'product_type is required', {}, [{ field: 'product_type', description: 'is required' }]);
  return {
    name: t.name,
    attributes: t.attributes.map((a) => ({
      code: a.code,
      name: a.name,
      type: a.type,
      unit: a.unit,
      allowedValues: [...a.allowedValues],
      required: a.required,
      filterable: a.filterable,
      searchable: a.searchable,
    })),
  };
}

/** Product types and their attribute definitions: proto in, use case, proto out. */
export function productTypeHandlers(types: ProductTypes): ServiceHandlers<Pick<typeof CatalogServiceService, ProductTypeMethods>> {
  return {
    createProductType: async (req, ctx) => types.create(fieldsFrom(req.productType), ctx),
    getProductType: async (req) => types.get(req.id),
    listProductTypes: async (req) => types.list(req),
    updateProductType: async (req, ctx) => types.update(req.productType?.id ?? '', fieldsFrom(req.productType), req.updateMask, req.productType?.etag ?? '', ctx),
  };
}
