import type { CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { PriceTaxMode, type PriceList } from '../../../../gen/shop/catalog/v1/pricing.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { Pricing } from '../app/pricing.js';
import type { VariantLookup } from '../app/variant-lookup.js';
import type { PriceListFields } from '../domain/pricing.js';

export type PricingMethods = 'lookupVariants' | 'selectPrices' | 'createPriceList' | 'listPriceLists' | 'updatePriceList' | 'setPriceTiers' | 'listPriceTiers';

function fieldsFrom(list: PriceList | undefined): PriceListFields {
  if (!list) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'price_list is required', {}, [{ field: 'price_list', description: 'is required' }]);
  return {
    name: list.name,
    currencyCode: list.currencyCode,
    customerGroup: list.customerGroup,
    validFrom: list.validFrom ?? null,
    validUntil: list.validUntil ?? null,
    priority: list.priority,
    taxMode: list.taxMode === PriceTaxMode.PRICE_TAX_MODE_INCLUSIVE ? 'inclusive' : list.taxMode === PriceTaxMode.PRICE_TAX_MODE_EXCLUSIVE ? 'exclusive' : 'destination',
  };
}

const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

/** Price lists, price selection and the variant lookup cart and checkout call: proto in, use case, proto out. */
export function pricingHandlers(pricing: Pricing, variants: VariantLookup): ServiceHandlers<Pick<typeof CatalogServiceService, PricingMethods>> {
  return {
    lookupVariants: async (req) => ({ variants: await variants.lookup(req.skus) }),
    selectPrices: async (req) => ({
      prices: await pricing.selectPrices({ currencyCode: req.currencyCode, customerGroup: req.customerGroup, at: req.at, items: req.items }),
    }),
    createPriceList: async (req, ctx) => pricing.createList(fieldsFrom(req.priceList), ctx),
    listPriceLists: async (req) => {
      if (req.currencyCode !== '' && !ISO_4217.has(req.currencyCode)) new Violations().add('currency_code', 'must be an ISO 4217 code such as EUR or USD').throwIfAny();
      return pricing.listLists(req);
    },
    updatePriceList: async (req, ctx) =>
      pricing.updateList(req.priceList?.id ?? '', fieldsFrom(req.priceList), req.updateMask ?? [], req.priceList?.etag ?? '', ctx),
    setPriceTiers: async (req, ctx) => pricing.setTiers(req.priceListId, req.tiers, ctx),
    listPriceTiers: async (req) => pricing.listTiers(req),
  };
}
