import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { Violations } from '../../../platform/src/errors.js';
import { checkMoney, type Money } from '../../../platform/src/money.js';
import type { AttributeValueFields } from './attributes.js';
import { isValidGtin } from './barcode.js';
import { isSlug, slugify } from './slug.js';

export interface ImageFields {
  url: string;
  altText: string;
}

export interface VariantFields {
  /** Empty for a new variant; the server assigns one. */
  id: string;
  sku: string;
  barcode: string;
  optionValues: Record<string, string>;
  price: Money | undefined;
  weightGrams: number;
  dimensions: { lengthMm: number; widthMm: number; heightMm: number } | undefined;
  images: ImageFields[];
  trackStock: boolean;
}

export interface OptionFields {
  name: string;
  values: string[];
}

export interface TranslationFields {
  locale: string;
  name: string;
  description: string;
  seoTitle: string;
  seoDescription: string;
}

/**
 * The fields staff edit; everything else (id, etag, times) belongs to the server.
 * `sku` and `price` are the issue-2 shape: on input they describe the default variant
 * when no variants are given; on output they mirror the first variant.
 */
export interface ProductFields {
  name: string;
  description: string;
  sku: string;
  price: Money | undefined;
  status: ProductStatus;
  slug: string;
  seoTitle: string;
  seoDescription: string;
  productTypeId: string;
  brandId: string;
  categoryIds: string[];
  options: OptionFields[];
  variants: VariantFields[];
  images: ImageFields[];
  attributes: AttributeValueFields[];
  translations: TranslationFields[];
}

export const EDITABLE_FIELDS = [
  'name', 'description', 'sku', 'price', 'status', 'slug', 'seo_title', 'seo_description', 'product_type_id', 'brand_id',
  'category_ids', 'options', 'variants', 'images', 'attributes', 'translations',
] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

const PROP: Record<EditableField, keyof ProductFields> = {
  name: 'name', description: 'description', sku: 'sku', price: 'price', status: 'status', slug: 'slug', seo_title: 'seoTitle',
  seo_description: 'seoDescription', product_type_id: 'productTypeId', brand_id: 'brandId', category_ids: 'categoryIds',
  options: 'options', variants: 'variants', images: 'images', attributes: 'attributes', translations: 'translations',
};

export const SKU = /^[A-Za-z0-9._-]{1,64}$/;
const LOCALE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const OBJECT_ID = /^[0-9a-f]{24}$/;
const STATUSES = new Set([ProductStatus.PRODUCT_STATUS_DRAFT, ProductStatus.PRODUCT_STATUS_ACTIVE, ProductStatus.PRODUCT_STATUS_ARCHIVED]);
const MAX_VARIANTS = 100;

/** An https URL (images are never fetched, so only their form is checked). */
export function isImageUrl(url: string): boolean {
  if (url.length > 2048) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.hostname.length > 0 && !u.username && !u.password;
  } catch {
    return false;
  }
}

function checkImages(images: ImageFields[], field: string, v: Violations): ImageFields[] {
  if (images.length > 50) v.add(field, 'must be at most 50 images');
  return images.map((img, i) => {
    if (!isImageUrl(img.url.trim())) v.add(`${field}[${i}].url`, 'must be an https URL of at most 2048 characters');
    if (img.altText.length > 500) v.add(`${field}[${i}].alt_text`, 'must be at most 500 characters');
    return { url: img.url.trim(), altText: img.altText.trim() };
  });
}

/**
 * A variant's violations. The default variant of an issue-2 style product reports its
 * SKU and price under the top-level names (`sku`, `price`), which is where the client put them.
 */
function checkVariant(input: VariantFields, prefix: string, options: OptionFields[], v: Violations): VariantFields {
  const variant = { ...input, sku: input.sku.trim(), barcode: input.barcode.trim(), images: checkImages(input.images, `${prefix}images`, v) };
  if (!SKU.test(variant.sku)) v.add(`${prefix}sku`, 'must be 1 to 64 of A-Z a-z 0-9 . _ -');
  if (variant.barcode && !isValidGtin(variant.barcode)) v.add(`${prefix}barcode`, 'must be a GTIN-8, -12, -13 or -14 with a valid check digit');
  checkMoney(prefix ? `${prefix}price` : 'price', variant.price, v);
  if (!Number.isInteger(variant.weightGrams) || variant.weightGrams < 0) v.add(`${prefix}weight_grams`, 'must not be negative');
  const d = variant.dimensions;
  if (d && [d.lengthMm, d.widthMm, d.heightMm].some((x) => !Number.isInteger(x) || x < 0)) v.add(`${prefix}dimensions`, 'must not be negative');
  const names = new Set(options.map((o) => o.name));
  for (const [name, value] of Object.entries(variant.optionValues)) {
    const option = options.find((o) => o.name === name);
    if (!option) v.add(`${prefix}option_values`, `"${name}" is not an option of this product`);
    else if (!option.values.includes(value)) v.add(`${prefix}option_values`, `"${value}" is not a value of option ${name}`);
  }
  for (const name of names) if (!(name in variant.optionValues)) v.add(`${prefix}option_values`, `needs a value for option ${name}`);
  return variant;
}

/** A new product without variants gets one from its top-level sku and price (the issue-2 shape). */
export function defaultVariant(sku: string, price: Money | undefined): VariantFields {
  return { id: '', sku, barcode: '', optionValues: {}, price, weightGrams: 0, dimensions: undefined, images: [], trackStock: true };
}

/**
 * Validates a whole product, naming every bad field: status UNSPECIFIED becomes draft,
 * an empty slug is derived from the name, the top-level sku and price mirror the first
 * variant. References (type, brand, categories) are checked by the use case.
 */
export function validateProduct(input: ProductFields): ProductFields {
  const v = new Violations();
  const name = input.name.trim();
  if (name.length < 1 || name.length > 200) v.add('name', 'must be 1 to 200 characters');
  if (input.description.length > 10_000) v.add('description', 'must be at most 10000 characters');
  const status = input.status === ProductStatus.PRODUCT_STATUS_UNSPECIFIED ? ProductStatus.PRODUCT_STATUS_DRAFT : input.status;
  if (!STATUSES.has(status)) v.add('status', 'must be DRAFT, ACTIVE or ARCHIVED');
  const slug = input.slug.trim() || slugify(name, 'product');
  if (!isSlug(slug)) v.add('slug', 'must be lower-case letters, digits and single hyphens, at most 100 characters');
  if (input.seoTitle.length > 200) v.add('seo_title', 'must be at most 200 characters');
  if (input.seoDescription.length > 320) v.add('seo_description', 'must be at most 320 characters');
  if (input.productTypeId && !OBJECT_ID.test(input.productTypeId)) v.add('product_type_id', 'is not a product type id');
  if (input.brandId && !OBJECT_ID.test(input.brandId)) v.add('brand_id', 'is not a brand id');
  if (input.categoryIds.length > 20) v.add('category_ids', 'must be at most 20 categories');
  if (input.categoryIds.some((id) => !OBJECT_ID.test(id))) v.add('category_ids', 'must be category ids');
  if (new Set(input.categoryIds).size !== input.categoryIds.length) v.add('category_ids', 'must not repeat a category');

  const options = input.options.map((o) => ({ name: o.name.trim(), values: o.values.map((x) => x.trim()) }));
  if (options.length > 5) v.add('options', 'must be at most 5 options');
  options.forEach((o, i) => {
    if (o.name.length < 1 || o.name.length > 50) v.add(`options[${i}].name`, 'must be 1 to 50 characters');
    if (options.findIndex((p) => p.name.toLowerCase() === o.name.toLowerCase()) !== i) v.add(`options[${i}].name`, 'appears twice');
    if (o.values.length < 1 || o.values.length > 100 || o.values.some((x) => x.length < 1 || x.length > 100)) v.add(`options[${i}].values`, 'must be 1 to 100 values of 1 to 100 characters');
    if (new Set(o.values).size !== o.values.length) v.add(`options[${i}].values`, 'must not repeat a value');
  });

  const fromTopLevel = input.variants.length === 0;
  const rawVariants = fromTopLevel ? [defaultVariant(input.sku, input.price)] : input.variants;
  if (rawVariants.length > MAX_VARIANTS) v.add('variants', `must be at most ${MAX_VARIANTS}`);
  // One variant and no options is the issue-2 shape: its fields are named as the client of that shape knows them.
  const simple = rawVariants.length === 1 && options.length === 0;
  const variants = rawVariants.map((variant, i) => checkVariant(variant, simple ? '' : `variants[${i}].`, options, v));
  const skus = variants.map((x) => x.sku);
  skus.forEach((sku, i) => {
    if (skus.indexOf(sku) !== i) v.add(`variants[${i}].sku`, 'is used by another variant of this product');
  });
  if (options.length > 0) {
    const combos = variants.map((x) => options.map((o) => x.optionValues[o.name] ?? '').join('\u0000'));
    combos.forEach((c, i) => {
      if (combos.indexOf(c) !== i) v.add(`variants[${i}].option_values`, 'the same option values as another variant');
    });
  }

  const images = checkImages(input.images, 'images', v);
  const locales = new Set<string>();
  const translations = input.translations.map((t, i) => {
    const at = `translations[${i}]`;
    if (!LOCALE.test(t.locale)) v.add(`${at}.locale`, 'must be a BCP 47 tag such as de or de-DE');
    if (locales.has(t.locale.toLowerCase())) v.add(`${at}.locale`, 'appears twice');
    locales.add(t.locale.toLowerCase());
    if (t.name.trim().length > 200) v.add(`${at}.name`, 'must be at most 200 characters');
    if (t.description.length > 10_000) v.add(`${at}.description`, 'must be at most 10000 characters');
    if (t.seoTitle.length > 200) v.add(`${at}.seo_title`, 'must be at most 200 characters');
    if (t.seoDescription.length > 320) v.add(`${at}.seo_description`, 'must be at most 320 characters');
    return { ...t, name: t.name.trim() };
  });
  v.throwIfAny();
  const first = variants[0]!;
  return { ...input, name, status, slug, options, variants, images, translations, sku: first.sku, price: first.price };
}

/** `updateMask` paths, snake_case or lowerCamel, to the fields they name; unknown paths are errors. */
export function parseUpdateMask(paths: string[] | undefined, patch: ProductFields): EditableField[] {
  if (!paths || paths.length === 0) {
    // AIP-134: no mask means every field the client set.
    return EDITABLE_FIELDS.filter((f) => {
      const value = patch[PROP[f]];
      if (f === 'status') return value !== ProductStatus.PRODUCT_STATUS_UNSPECIFIED;
      if (Array.isArray(value)) return value.length > 0;
      return value !== undefined && value !== '';
    });
  }
  const violations = new Violations();
  const fields = new Set<EditableField>();
  for (const raw of paths) {
    const path = raw.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const top = path.startsWith('price.') ? 'price' : path;
    if ((EDITABLE_FIELDS as readonly string[]).includes(top)) fields.add(top as EditableField);
    else violations.add('update_mask', `unknown or read-only field "${raw}"; allowed: ${EDITABLE_FIELDS.join(', ')}`);
  }
  violations.throwIfAny();
  return [...fields];
}

/**
 * Applies the masked fields of a patch to the current product. `sku` and `price` change
 * the first variant (the issue-2 shape); `variants` replaces the list, keeping the ids
 * of variants the client sent back with their id.
 */
export function applyPatch(current: ProductFields, patch: ProductFields, fields: EditableField[]): ProductFields {
  const next: ProductFields = { ...current, variants: current.variants.map((x) => ({ ...x })) };
  for (const field of fields) {
    if (field === 'sku' || field === 'price') continue;
    (next as unknown as Record<string, unknown>)[PROP[field]] = patch[PROP[field]];
  }
  if (fields.includes('slug') && patch.slug === '') next.slug = '';
  if (!fields.includes('variants') && next.variants.length > 0) {
    if (fields.includes('sku')) next.variants[0]!.sku = patch.sku;
    if (fields.includes('price')) next.variants[0]!.price = patch.price;
  }
  if (next.variants.length === 0) {
    next.sku = fields.includes('sku') ? patch.sku : current.sku;
    next.price = fields.includes('price') ? patch.price : current.price;
  }
  return next;
}

/** Which locale's texts a reader gets: exact tag, then its language, else the default texts. */
export function pickTranslation(translations: TranslationFields[], locale: string): TranslationFields | null {
  if (!locale) return null;
  const wanted = locale.toLowerCase();
  const language = wanted.split('-')[0]!;
  return translations.find((t) => t.locale.toLowerCase() === wanted) ?? translations.find((t) => t.locale.toLowerCase() === language) ?? null;
}
