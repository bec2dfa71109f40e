import type { Brand, Category, CategoryRef, Collection } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import type { ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import { DomainError } from '../../../platform/src/errors.js';
import type { BrandDoc, CategoryDoc, CollectionDoc, ProductTypeDoc } from '../infra/taxonomy-models.js';

export const etagOf = (revision: number) => `"${revision}"`;

/** The revision an etag names; malformed etags are 400. */
export function revisionOf(etag: string): number {
  const match = /^(W\/)?"?(\d+)"?$/.exec(etag.trim());
  if (!match) throw new DomainError('invalid_argument', 'INVALID_ETAG', 'etag is malformed', {}, [{ field: 'etag', description: 'must be an etag returned by this API' }]);
  return Number(match[2]);
}

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
