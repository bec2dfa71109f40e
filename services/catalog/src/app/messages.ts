import type { Brand, Category, CategoryRef, Collection } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import type { ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import type { BrandDoc, CategoryDoc, CollectionDoc, ProductTypeDoc } from '../infra/taxonomy-models.js';

// One etag format for every resource (platform/src/etag.ts).
import { etagOf } from '../../../platform/src/etag.js';
export { etagOf, revisionOf } from '../../../platform/src/etag.js';

export const isObjectId = (id: string) => /^[0-9a-f]{24}$/.test(id);

export function toCategoryMessage(doc: CategoryDoc, ancestors: Map<string, CategoryDoc>): Category {
  const refs: CategoryRef[] = doc.ancestorIds.map((id) => {
    const a = ancestors.get(id);
    return { id, name: a?.name ?? '', slug: a?.slug ?? '' };
  });
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    slug: doc.slug,
    parentId: doc.parentId,
    position: doc.position,
    ancestors: refs,
    description: doc.description,
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}

export function toBrandMessage(doc: BrandDoc): Brand {
  return { id: doc._id.toHexString(), name: doc.name, slug: doc.slug ?? '', description: doc.description, logoUrl: doc.logoUrl, etag: etagOf(doc.revision), createTime: doc.createdAt, updateTime: doc.updatedAt };
}

export function toCollectionMessage(doc: CollectionDoc): Collection {
  return { id: doc._id.toHexString(), name: doc.name, slug: doc.slug ?? '', productIds: [...doc.productIds], etag: etagOf(doc.revision), createTime: doc.createdAt, updateTime: doc.updatedAt };
}

export function toProductTypeMessage(doc: ProductTypeDoc): ProductType {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    attributes: doc.attributes.map((a) => ({ ...a, allowedValues: [...a.allowedValues] })),
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}
