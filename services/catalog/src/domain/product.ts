import { ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { Violations } from '../../../platform/src/errors.js';
import { checkMoney, type Money } from '../../../platform/src/money.js';

/** The fields staff edit; everything else (id, etag, times) belongs to the server. */
export interface ProductFields {
  name: string;
  description: string;
  sku: string;
  price: Money | undefined;
  status: ProductStatus;
}

export const EDITABLE_FIELDS = ['name', 'description', 'sku', 'price', 'status'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

const SKU = /^[A-Za-z0-9._-]{1,64}$/;
const STATUSES = new Set([ProductStatus.PRODUCT_STATUS_DRAFT, ProductStatus.PRODUCT_STATUS_ACTIVE, ProductStatus.PRODUCT_STATUS_ARCHIVED]);

/** Validates a whole product, naming every bad field; status UNSPECIFIED becomes draft. */
export function validateProduct(input: ProductFields): ProductFields {
  const product = { ...input, name: input.name.trim(), sku: input.sku.trim() };
  if (product.status === ProductStatus.PRODUCT_STATUS_UNSPECIFIED) product.status = ProductStatus.PRODUCT_STATUS_DRAFT;
  const violations = new Violations();
  if (product.name.length < 1 || product.name.length > 200) violations.add('name', 'must be 1 to 200 characters');
  if (product.description.length > 10_000) violations.add('description', 'must be at most 10000 characters');
  if (!SKU.test(product.sku)) violations.add('sku', 'must be 1 to 64 of A-Z a-z 0-9 . _ -');
  checkMoney('price', product.price, violations);
  if (!STATUSES.has(product.status)) violations.add('status', 'must be DRAFT, ACTIVE or ARCHIVED');
  violations.throwIfAny();
  return product;
}

/** `updateMask` paths, snake_case or lowerCamel, to the fields they name; unknown paths are errors. */
export function parseUpdateMask(paths: string[] | undefined, patch: ProductFields): EditableField[] {
  if (!paths || paths.length === 0) {
    // AIP-134: no mask means every field the client set.
    return EDITABLE_FIELDS.filter((f) => (f === 'price' ? patch.price !== undefined : f === 'status' ? patch.status !== ProductStatus.PRODUCT_STATUS_UNSPECIFIED : patch[f] !== ''));
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

/** Applies the masked fields of a patch to the current product. */
export function applyPatch(current: ProductFields, patch: ProductFields, fields: EditableField[]): ProductFields {
  const next = { ...current };
  for (const field of fields) (next as Record<EditableField, unknown>)[field] = patch[field];
  return next;
}
