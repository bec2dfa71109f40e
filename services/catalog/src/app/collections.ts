import { Types, type Model } from 'mongoose';
import { ProductStatus, type ListCollectionsRequest } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import type { Collection } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { outboxPush } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import type { ProductDoc } from '../infra/models.js';
import type { CollectionDoc } from '../infra/taxonomy-models.js';
import { isObjectId, revisionOf, toCollectionMessage } from './messages.js';
import type { Viewer } from './products.js';
import { COLLECTION_MASK, maskedFields, validateCollection, type CollectionFields } from './taxonomy-fields.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

const errors = resourceErrors('collection');
const { notFound } = errors;
const slugTaken = (slug: string) =>
  new DomainError('already_exists', 'SLUG_TAKEN', `another collection already has slug ${slug}`, { slug }, [{ field: 'collection.slug', description: 'is already used by another collection' }]);
const target = (id: string) => ({ type: 'collection', id });

/**
 * Collection use cases: hand-picked products in display order. The contract has no
 * collection events, so the outbox carries only the audit record. Shoppers see only
 * the active products of a collection.
 */
export class Collections {
  constructor(
    private readonly collections: Model<CollectionDoc>,
    private readonly products: Model<ProductDoc>,
    private readonly onWrite: () => void = () => undefined,
    /** Product list pages filtered by collection change with it (the list cache's generation). */
    private readonly listsChanged: () => Promise<void> = async () => undefined,
  ) {}

  private live(id: string): Promise<CollectionDoc | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    return this.collections.findOne({ _id: id, deletedAt: null }, { outbox: 0 }).lean<CollectionDoc>().exec();
  }

  /** Every id must be a product that exists (any status: staff curate drafts before launch). */
  private async checkProducts(ids: string[]): Promise<void> {
    const wellFormed = ids.filter(isObjectId);
    const found = wellFormed.length
      ? await this.products.find({ _id: { $in: wellFormed.map((x) => new Types.ObjectId(x)) }, deletedAt: null }, { _id: 1 }).lean<ProductDoc[]>()
      : [];
    const known = new Set(found.map((p) => p._id.toHexString()));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) new Violations().add('collection.product_ids', `no such product: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`).throwIfAny();
  }

  /** The collection as `viewer` may see it: shoppers get only its active products. */
  private async visible(docs: CollectionDoc[], viewer: Viewer): Promise<Collection[]> {
    const messages = docs.map(toCollectionMessage);
    if (viewer.seesUnpublished) return messages;
    const ids = [...new Set(docs.flatMap((d) => d.productIds))].filter(isObjectId);
    const active = ids.length
      ? await this.products.find({ _id: { $in: ids.map((x) => new Types.ObjectId(x)) }, deletedAt: null, status: ProductStatus.PRODUCT_STATUS_ACTIVE }, { _id: 1 }).lean<ProductDoc[]>()
      : [];
    const shown = new Set(active.map((p) => p._id.toHexString()));
    return messages.map((m) => ({ ...m, productIds: m.productIds.filter((id) => shown.has(id)) }));
  }

  async create(input: CollectionFields, origin: AuditContext): Promise<Collection> {
    const fields = validateCollection(input);
    await this.checkProducts(fields.productIds);
    const _id = new Types.ObjectId();
    const id = _id.toHexString();
    const slugGiven = input.slug.trim() !== '';
    for (let attempt = 0; ; attempt++) {
      const now = new Date();
      const slug = attempt === 0 ? fields.slug : `${fields.slug.slice(0, 80)}-${id.slice(-8)}`;
      const doc = { _id, ...fields, slug, revision: 1, deletedAt: null, createdAt: now, updatedAt: now } as CollectionDoc;
      try {
        await this.collections.create({ ...doc, outbox: [auditOutboxEntry(origin, 'collection.created', target(id), { products: String(fields.productIds.length) })] });
        await this.listsChanged();
        this.onWrite();
        return toCollectionMessage(doc);
      } catch (err) {
        if (isDuplicateKey(err) && !slugGiven && attempt === 0) continue;
        if (isDuplicateKey(err)) throw slugTaken(slug);
        throw err;
      }
    }
  }

  async get(id: string, viewer: Viewer): Promise<Collection> {
    const doc = await this.live(id);
    if (!doc) throw notFound(id);
    return (await this.visible([doc], viewer))[0]!;
  }

  /** Collections in creation order, keyset-paged. */
  async list(req: ListCollectionsRequest, viewer: Viewer): Promise<{ collections: Collection[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const cursor = decodePageToken(req.pageToken, 'collections');
    const filter: Record<string, unknown> = { deletedAt: null };
    if (cursor) filter['_id'] = { $gt: new Types.ObjectId(String(cursor['id'])) };
    const docs = await this.collections.find(filter, { outbox: 0 }).sort({ _id: 1 }).limit(size + 1).lean<CollectionDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return {
      collections: await this.visible(page, viewer),
      nextPageToken: docs.length > size && last ? encodePageToken({ id: last._id.toHexString() }, 'collections') : '',
    };
  }

  async update(id: string, patch: CollectionFields, mask: string[] | undefined, etag: string, origin: AuditContext): Promise<Collection> {
    const given = { name: patch.name !== '', slug: patch.slug !== '', product_ids: patch.productIds.length > 0 };
    const masked = maskedFields(mask, COLLECTION_MASK, (f) => given[f]);
    return writeAtRevision({
      id,
      expectedRevision: etag ? revisionOf(etag) : null,
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        const next: CollectionFields = { name: current.name, slug: current.slug ?? '', productIds: [...current.productIds] };
        if (masked.includes('name')) next.name = patch.name;
        if (masked.includes('slug')) next.slug = patch.slug;
        if (masked.includes('product_ids')) next.productIds = patch.productIds;
        const fields = validateCollection(next);
        if (masked.includes('product_ids')) await this.checkProducts(fields.productIds);
        const now = new Date();
        const after = { ...current, ...fields, revision: current.revision + 1, updatedAt: now } as CollectionDoc;
        try {
          const result = await this.collections.updateOne(
            { _id: id, revision: current.revision, deletedAt: null },
            {
              $set: { ...fields, revision: after.revision, updatedAt: now },
              $push: outboxPush(auditOutboxEntry(origin, 'collection.updated', target(id), { changed_fields: masked.join(',') })),
            },
            { timestamps: false },
          );
          if (result.modifiedCount !== 1) return LOST_RACE;
        } catch (err) {
          if (isDuplicateKey(err)) throw slugTaken(fields.slug);
          throw err;
        }
        await this.listsChanged();
        this.onWrite();
        return toCollectionMessage(after);
      },
    });
  }

  async delete(id: string, origin: AuditContext): Promise<void> {
    const now = new Date();
    const result = await this.collections.updateOne(
      { _id: isObjectId(id) ? id : new Types.ObjectId(), deletedAt: null },
      { $set: { deletedAt: now, updatedAt: now }, $unset: { slug: 1 }, $inc: { revision: 1 }, $push: outboxPush(auditOutboxEntry(origin, 'collection.deleted', target(id))) },
      { timestamps: false },
    );
    if (result.modifiedCount !== 1) throw notFound(id);
    await this.listsChanged();
        this.onWrite();
  }
}
