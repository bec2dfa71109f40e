import { Violations } from '../../../platform/src/errors.js';
import { isImageUrl } from '../domain/product.js';
import { isSlug, slugify } from '../domain/slug.js';
import { isObjectId } from './messages.js';

/** Collections hold at most this many products (the proto's limit). */
export const MAX_COLLECTION_PRODUCTS = 1000;

// AIP-134 masks are the platform's, shared by every service.
export { maskedFields } from '../../../platform/src/etag.js';

const checkName = (v: Violations, field: string, name: string, max: number) => {
  if (name.length < 1 || name.length > max) v.add(field, `must be 1 to ${max} characters`);
};
const checkSlug = (v: Violations, field: string, slug: string) => {
  if (slug !== '' && !isSlug(slug)) v.add(field, 'must be lower-case letters, digits and single hyphens, at most 100 characters');
};

/** What staff write about a category (position orders siblings; ties go by creation). */
export interface CategoryFields {
  name: string;
  slug: string;
  parentId: string;
  position: number;
  description: string;
}
export const CATEGORY_MASK = ['name', 'slug', 'parent_id', 'position', 'description'] as const;

/** Trims and checks a category; an empty slug is derived from the name. */
export function validateCategory(input: CategoryFields): CategoryFields {
  const v = new Violations();
  const c = { ...input, name: input.name.trim(), slug: input.slug.trim(), parentId: input.parentId.trim(), description: input.description.trim() };
  checkName(v, 'category.name', c.name, 100);
  checkSlug(v, 'category.slug', c.slug);
  if (c.parentId !== '' && !isObjectId(c.parentId)) v.add('category.parent_id', 'no such category');
  if (!Number.isInteger(c.position) || c.position < 0) v.add('category.position', 'must be zero or a positive integer');
  if (c.description.length > 5000) v.add('category.description', 'must be at most 5000 characters');
  v.throwIfAny();
  return { ...c, slug: c.slug || slugify(c.name, 'category') };
}

/** What staff write about a brand. */
export interface BrandFields {
  name: string;
  slug: string;
  description: string;
  logoUrl: string;
}
export const BRAND_MASK = ['name', 'slug', 'description', 'logo_url'] as const;

/** Trims and checks a brand; an empty slug is derived from the name. */
export function validateBrand(input: BrandFields): BrandFields {
  const v = new Violations();
  const b = { name: input.name.trim(), slug: input.slug.trim(), description: input.description.trim(), logoUrl: input.logoUrl.trim() };
  checkName(v, 'brand.name', b.name, 100);
  checkSlug(v, 'brand.slug', b.slug);
  if (b.description.length > 5000) v.add('brand.description', 'must be at most 5000 characters');
  if (b.logoUrl !== '' && !isImageUrl(b.logoUrl)) v.add('brand.logo_url', 'must be an https URL');
  v.throwIfAny();
  return { ...b, slug: b.slug || slugify(b.name, 'brand') };
}

/** What staff write about a collection: the products in display order. */
export interface CollectionFields {
  name: string;
  slug: string;
  productIds: string[];
}
export const COLLECTION_MASK = ['name', 'slug', 'product_ids'] as const;

/** Trims and checks a collection (existence of the products is the use case's job). */
export function validateCollection(input: CollectionFields): CollectionFields {
  const v = new Violations();
  const c = { name: input.name.trim(), slug: input.slug.trim(), productIds: input.productIds.map((id) => id.trim()) };
  checkName(v, 'collection.name', c.name, 200);
  checkSlug(v, 'collection.slug', c.slug);
  if (c.productIds.length > MAX_COLLECTION_PRODUCTS) v.add('collection.product_ids', `must be at most ${MAX_COLLECTION_PRODUCTS} products`);
  else if (new Set(c.productIds).size !== c.productIds.length) v.add('collection.product_ids', 'must not repeat a product');
  v.throwIfAny();
  return { ...c, slug: c.slug || slugify(c.name, 'collection') };
}
