import type { CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';

export type PricingMethods = 'lookupVariants' | 'selectPrices' | 'createPriceList' | 'listPriceLists' | 'updatePriceList' | 'setPriceTiers' | 'listPriceTiers';

const notBuilt = (method: string) => async (): Promise<never> => {
  throw new DomainError('unavailable', 'NOT_BUILT_YET', `${method} is not built yet`, { method });
};

/** Price lists, price selection and variant lookup. Placeholders until the pricing slice lands. */
export function pricingHandlers(): ServiceHandlers<Pick<typeof CatalogServiceService, PricingMethods>> {
  return {
    lookupVariants: notBuilt('LookupVariants'),
    selectPrices: notBuilt('SelectPrices'),
    createPriceList: notBuilt('CreatePriceList'),
    listPriceLists: notBuilt('ListPriceLists'),
    updatePriceList: notBuilt('UpdatePriceList'),
    setPriceTiers: notBuilt('SetPriceTiers'),
    listPriceTiers: notBuilt('ListPriceTiers'),
  };
}
