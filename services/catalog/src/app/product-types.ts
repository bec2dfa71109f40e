import { Types, type Model } from 'mongoose';
import type { ListProductTypesRequest } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { ProductTypeChanged } from '../../../../gen/shop/catalog/v1/events.js';
import { outboxEntry, outboxPush } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { removedByChange, validateDefinitions, type AttributeDefinitionFields } from '../domain/attributes.js';
import type { ProductDoc } from '../infra/models.js';
import type { ProductTypeDoc } from '../infra/taxonomy-models.js';
import { isObjectId, revisionOf, toProductTypeMessage } from './messages.js';
import { maskedFields } from './taxonomy-fields.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

/** What staff write about a product type. */
export interface ProductTypeFields {
  name: string;
  attributes: AttributeDefinitionFields[];
}
export const PRODUCT_TYPE_MASK = ['name', 'attributes'] as const;

/** Trims and checks a product type and its attribute definitions. */
export function validateProductType(input: ProductTypeFields): ProductTypeFields {
  const v = new Violations();
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) v.add('product_type.name', 'must be 1 to 100 characters');
  const attributes = validateDefinitions(input.attributes, v, 'product_type.attributes');
  v.throwIfAny();
  return { name, attributes };
}

const nameKey = (name: string) => name.normalize('NFKC').toLowerCase();
const errors = resourceErrors('product type');
const { notFound } = errors;
const nameTaken = (name: string) =>
  new DomainError('already_exists', 'PRODUCT_TYPE_NAME_TAKEN', `a product type named ${name} already exists`, { name }, [{ field: 'product_type.name', description: 'is already used by another product type' }]);
const target = (id: string) => ({ type: 'product_type', id });

export const PRODUCT_TYPE_CHANGED = 'shop.catalog.product_type_changed';

/** The full-state event of a created or changed type: search re-reads which attributes are filterable and searchable. */
function changedEvent(type: ProductType, now: Date) {
  return outboxEntry(PRODUCT_TYPE_CHANGED, 'shop.catalog.v1.ProductTypeChanged', ProductTypeChanged.encode({ productType: type, occurTime: now }).finish());
}

/**
 * Product type use cases. A definition change may not take away what products still
 * use: a removed or retyped attribute that a product has a value for, or an enum value
 * a product chose. Every create and change emits ProductTypeChanged with the whole type
 * (beside the audit record), because search decides facets and full text by its flags.
 */
export class ProductTypes {
  constructor(
    private readonly types: Model<ProductTypeDoc>,
    private readonly products: Model<ProductDoc>,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  private find(id: string): Promise<ProductTypeDoc | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    return this.types.findById(id, { outbox: 0 }).lean<ProductTypeDoc>().exec();
  }

  async create(input: ProductTypeFields, origin: AuditContext): Promise<ProductType> {
    const fields = validateProductType(input);
    const _id = new Types.ObjectId();
    const now = new Date();
    const doc = { _id, ...fields, nameKey: nameKey(fields.name), revision: 1, createdAt: now, updatedAt: now } as ProductTypeDoc;
    try {
      await this.types.create({ ...doc, outbox: [changedEvent(toProductTypeMessage(doc), now), auditOutboxEntry(origin, 'product_type.created', target(_id.toHexString()), { attributes: fields.attributes.map((a) => a.code).join(',') })] });
    } catch (err) {
      if (isDuplicateKey(err)) throw nameTaken(fields.name);
      throw err;
    }
    this.onWrite();
    return toProductTypeMessage(doc);
  }

  async get(id: string): Promise<ProductType> {
    const doc = await this.find(id);
    if (!doc) throw notFound(id);
    return toProductTypeMessage(doc);
  }

  /** Product types by name, keyset-paged. */
  async list(req: ListProductTypesRequest): Promise<{ productTypes: ProductType[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const cursor = decodePageToken(req.pageToken, 'product-types');
    const filter: Record<string, unknown> = {};
    if (cursor) {
      const after = new Types.ObjectId(String(cursor['id']));
      filter['$or'] = [{ nameKey: { $gt: String(cursor['n']) } }, { nameKey: String(cursor['n']), _id: { $gt: after } }];
    }
    const docs = await this.types.find(filter, { outbox: 0 }).sort({ nameKey: 1, _id: 1 }).limit(size + 1).lean<ProductTypeDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return {
      productTypes: page.map(toProductTypeMessage),
      nextPageToken: docs.length > size && last ? encodePageToken({ n: last.nameKey, id: last._id.toHexString() }, 'product-types') : '',
    };
  }

  /** Refuses (FAILED_PRECONDITION) to take away attributes or enum values products still carry. */
  private async checkStillUsed(id: string, before: AttributeDefinitionFields[], after: AttributeDefinitionFields[]): Promise<void> {
    const removed = removedByChange(before, after);
    const ofType = { productTypeId: id, deletedAt: null };
    const inUse: string[] = [];
    for (const code of [...removed.codes, ...removed.retyped]) {
      if (await this.products.exists({ ...ofType, 'attributes.code': code })) inUse.push(code);
    }
    for (const { code, value } of removed.values) {
      if (await this.products.exists({ ...ofType, attributes: { $elemMatch: { code, values: value } } })) inUse.push(`${code}=${value}`);
    }
    if (inUse.length > 0) {
      throw new DomainError('failed_precondition', 'ATTRIBUTE_IN_USE', `products of this type still use ${inUse.join(', ')}`, { product_type_id: id, attributes: inUse.join(',') }, [
        { field: 'product_type.attributes', description: `still used by products: ${inUse.join(', ')}` },
      ]);
    }
  }

  async update(id: string, patch: ProductTypeFields, mask: string[] | undefined, etag: string, origin: AuditContext): Promise<ProductType> {
    const given = { name: patch.name !== '', attributes: patch.attributes.length > 0 };
    const masked = maskedFields(mask, PRODUCT_TYPE_MASK, (f) => given[f]);
    return writeAtRevision({
      id,
      expectedRevision: etag ? revisionOf(etag) : null,
      errors,
      load: () => this.find(id),
      attempt: async (current) => {
        const fields = validateProductType({
          name: masked.includes('name') ? patch.name : current.name,
          attributes: masked.includes('attributes') ? patch.attributes : current.attributes,
        });
        await this.checkStillUsed(id, current.attributes, fields.attributes);
        const now = new Date();
        const after = { ...current, ...fields, nameKey: nameKey(fields.name), revision: current.revision + 1, updatedAt: now } as ProductTypeDoc;
        try {
          const result = await this.types.updateOne(
            { _id: id, revision: current.revision },
            {
              $set: { ...fields, nameKey: after.nameKey, revision: after.revision, updatedAt: now },
              $push: outboxPush(changedEvent(toProductTypeMessage(after), now), auditOutboxEntry(origin, 'product_type.updated', target(id), { changed_fields: masked.join(',') })),
            },
            { timestamps: false },
          );
          if (result.modifiedCount !== 1) return LOST_RACE;
        } catch (err) {
          if (isDuplicateKey(err)) throw nameTaken(fields.name);
          throw err;
        }
        this.onWrite();
        return toProductTypeMessage(after);
      },
    });
  }
}
