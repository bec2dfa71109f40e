import { ProductStatus, type CatalogServiceService } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { PriceTaxMode } from '../../../../gen/shop/catalog/v1/pricing.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { ServiceTokenSource } from '../../../platform/src/service-token.js';
import type { CatalogPort, SkuInfo, SkuPrice } from '../app/ports.js';

/**
 * What the cart asks the catalog: one LookupVariants and one SelectPrices call per
 * cart read, whatever the number of lines (never one call per line). Both are
 * internal methods, called as the cart's service account.
 */
export class CatalogGateway implements CatalogPort {
  constructor(
    private readonly catalog: ServiceClient<typeof CatalogServiceService>,
    private readonly tokens: ServiceTokenSource,
  ) {}

  async lookup(skus: readonly string[], ctx?: CallContext): Promise<Map<string, SkuInfo>> {
    if (skus.length === 0) return new Map();
    const token = await this.tokens.token();
    const { variants } = await this.catalog.lookupVariants({ skus: [...skus] }, { ctx, token });
    return new Map(
      variants.map((v) => [
        v.variant?.sku ?? '',
        { productId: v.productId, productName: v.productName, purchasable: v.purchasable, active: v.productStatus === ProductStatus.PRODUCT_STATUS_ACTIVE, weightGrams: v.variant?.weightGrams ?? 0 },
      ]),
    );
  }

  async prices(currencyCode: string, items: ReadonlyArray<{ sku: string; quantity: number }>, customerGroup: string, ctx?: CallContext): Promise<Map<string, SkuPrice>> {
    if (items.length === 0) return new Map();
    const token = await this.tokens.token();
    const { prices } = await this.catalog.selectPrices({ currencyCode, customerGroup, at: undefined, items: items.map((i) => ({ sku: i.sku, quantity: i.quantity })) }, { ctx, token });
    return new Map(
      prices.map((p) => [p.sku, {
        unitMinor: p.unitPrice?.amountMinor ?? 0,
        regularMinor: p.regularUnitPrice?.amountMinor ?? p.unitPrice?.amountMinor ?? 0,
        includesTax: p.taxMode === PriceTaxMode.PRICE_TAX_MODE_INCLUSIVE ? true : p.taxMode === PriceTaxMode.PRICE_TAX_MODE_EXCLUSIVE ? false : null,
      }]),
    );
  }
}
