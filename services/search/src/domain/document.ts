import { ProductStatus, type Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { AttributeType, type AttributeValue, type ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import type { Brand, Category } from '../../../../gen/shop/catalog/v1/taxonomy.js';

/** A brand or category reference as the index keeps it. */
export interface Ref {
  id: string;
  name: string;
}

/** One active product as the index sees it: everything search, filters, facets and sorts need. */
export interface ProductDocument {
  id: string;
  /** The catalog's revision (from the etag), so an older event never overwrites a newer state. */
  revision: number;
  name: string;
  description: string;
  slug: string;
  brand: Ref | null;
  /** The categories the product is in, each as its path from the root down to it. */
  categoryPaths: Ref[][];
  /** Text of searchable attributes (text values and enum values), for full-text. */
  attributeText: string[];
  /** Values of filterable enum and multi-enum attributes by code, for filters and facets. */
  attributes: Record<string, string[]>;
  /** The product type and the raw attribute values, to re-derive the two above when the type changes. */
  productTypeId: string;
  attributeValues: AttributeValue[];
  /** Lowest variant base price per currency, in minor units. */
  prices: Record<string, number>;
  /** The product's SKUs (variants, or the issue-2 top-level SKU), whose stock decides inStock. */
  skus: string[];
  /** Any SKU available or back-orderable, per inventory's availability events. */
  inStock: boolean;
  rating: number;
  createTime: number;
  imageUrl: string;
}

/** The SKUs of a product: its variants', or the issue-2 top-level one. */
export function skusOf(product: Product): string[] {
  const skus = product.variants.map((v) => v.sku).filter((sku) => sku !== '');
  return skus.length > 0 ? skus : product.sku ? [product.sku] : [];
}

/** Which SKUs are in stock, as inventory last said; a SKU never heard of is not. */
export class StockStatus {
  private readonly inStock = new Map<string, boolean>();

  /** Records a SKU's status; true when it changed. */
  set(sku: string, inStock: boolean): boolean {
    if (this.inStock.get(sku) === inStock) return false;
    this.inStock.set(sku, inStock);
    return true;
  }

  anyInStock(skus: readonly string[]): boolean {
    return skus.some((sku) => this.inStock.get(sku) === true);
  }
}

/** The catalog's etag is `"<revision>"`; unknown shapes count as revision 0. */
export function revisionOf(etag: string): number {
  const match = /^(W\/)?"?(\d+)"?$/.exec(etag.trim());
  return match ? Number(match[2]) : 0;
}

export const isActive = (product: Product): boolean => product.status === ProductStatus.PRODUCT_STATUS_ACTIVE;

/** The path root..category for one category as a catalog event carries it (with ancestors). */
export function categoryPath(category: Category): Ref[] {
  return [...category.ancestors.map((a) => ({ id: a.id, name: a.name })), { id: category.id, name: category.name }];
}

/**
 * Builds the index document of an active product from what catalog events (or the
 * catalog's list) carry. Brand and categories come beside the product because the
 * product itself only names their ids; a category the event does not describe is
 * kept by id with an empty name rather than dropped, so filters by id still work.
 */
export function toDocument(product: Product, brand: Brand | undefined, categories: Category[], productType?: ProductType, stock?: StockStatus): ProductDocument {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const prices: Record<string, number> = {};
  const variantPrices = product.variants.map((v) => v.price).filter((p) => p !== undefined);
  // Issue-2 products have no variants: their top-level price is the one price.
  for (const price of variantPrices.length > 0 ? variantPrices : product.price ? [product.price] : []) {
    if (!price.currencyCode) continue;
    const current = prices[price.currencyCode];
    if (current === undefined || price.amountMinor < current) prices[price.currencyCode] = price.amountMinor;
  }
  const { attributes, attributeText } = attributeFields(product.attributes, productType);
  const brandRef = product.brandId ? { id: product.brandId, name: brand?.id === product.brandId ? brand.name : '' } : null;
  return {
    id: product.id,
    revision: revisionOf(product.etag),
    name: product.name,
    description: product.description,
    slug: product.slug,
    brand: brandRef,
    categoryPaths: product.categoryIds.map((id) => {
      const category = byId.get(id);
      return category ? categoryPath(category) : [{ id, name: '' }];
    }),
    attributeText,
    attributes,
    productTypeId: product.productTypeId,
    attributeValues: product.attributes,
    prices,
    skus: skusOf(product),
    inStock: stock ? stock.anyInStock(skusOf(product)) : false,
    // Until reviews exist, every product rates 0.
    rating: 0,
    createTime: product.createTime?.getTime() ?? 0,
    imageUrl: product.images[0]?.url ?? '',
  };
}

const ENUM_TYPES = new Set([AttributeType.ATTRIBUTE_TYPE_ENUM, AttributeType.ATTRIBUTE_TYPE_MULTI_ENUM]);

/**
 * What search makes of attribute values under their type's definitions: only
 * filterable enum and multi-enum attributes become filters and facets, only searchable
 * ones feed full text (text and enum values). Without the type (events written before
 * they carried it), enum-like values (a values list) are taken as filterable and text
 * and enum values as searchable, as before.
 */
export function attributeFields(values: AttributeValue[], productType: ProductType | undefined): { attributes: Record<string, string[]>; attributeText: string[] } {
  const attributes: Record<string, string[]> = {};
  const attributeText: string[] = [];
  for (const a of values) {
    const def = productType?.attributes.find((d) => d.code === a.code);
    const filterable = productType ? !!def?.filterable && ENUM_TYPES.has(def.type) : a.values.length > 0;
    const searchable = productType ? !!def?.searchable : true;
    if (filterable && a.values.length > 0) attributes[a.code] = [...new Set(a.values)];
    if (searchable) {
      attributeText.push(...a.values);
      if (a.text) attributeText.push(a.text);
    }
  }
  return { attributes, attributeText };
}

/** The document again under a changed product type. */
export function withProductType(doc: ProductDocument, productType: ProductType): ProductDocument {
  return { ...doc, ...attributeFields(doc.attributeValues, productType) };
}

/** Every category id the product is in, ancestors included: what a category filter matches. */
export function categoryIdsOf(doc: ProductDocument): Set<string> {
  return new Set(doc.categoryPaths.flat().map((c) => c.id));
}

/** Distinct categories with names, ancestors included, for the category facet. */
export function categoriesOf(doc: ProductDocument): Ref[] {
  const seen = new Map<string, Ref>();
  for (const ref of doc.categoryPaths.flat()) if (!seen.has(ref.id)) seen.set(ref.id, ref);
  return [...seen.values()];
}
