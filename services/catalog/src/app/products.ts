import { createHash } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import { Product, ProductStatus } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../../../../gen/shop/catalog/v1/events.js';
import { DomainError } from '../../../platform/src/errors.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { outboxEntry, outboxPush } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { applyPatch, parseUpdateMask, validateProduct, type ProductFields } from '../domain/product.js';
import type { ProductDoc } from '../infra/models.js';

export const SUBJECTS = {
  created: 'shop.catalog.product_created',
  updated: 'shop.catalog.product_updated',
  deleted: 'shop.catalog.product_deleted',
} as const;

/** What a caller may see: shoppers only active products; with catalog.products.read_unpublished, everything not deleted. */
export interface Viewer {
  seesUnpublished: boolean;
}

export function toProductMessage(doc: ProductDoc): Product {
  return Product.fromPartial({
    id: doc._id.toHexString(),
    name: doc.name,
    description: doc.description,
    sku: doc.sku ?? '',
    price: { currencyCode: doc.price.currencyCode, amountMinor: doc.price.amountMinor },
    status: doc.status,
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  });
}

const etagOf = (revision: number) => `"${revision}"`;

function revisionOf(etag: string): number {
  const match = /^(W\/)?"?(\d+)"?$/.exec(etag.trim());
  if (!match) throw new DomainError('invalid_argument', 'INVALID_ETAG', 'etag is malformed', {}, [{ field: 'etag', description: 'must be an etag returned by this API' }]);
  return Number(match[2]);
}

function objectId(id: string): Types.ObjectId {
  if (!Types.ObjectId.isValid(id) || !/^[0-9a-f]{24}$/i.test(id)) throw notFound(id);
  return new Types.ObjectId(id);
}

const notFound = (id: string) => new DomainError('not_found', 'PRODUCT_NOT_FOUND', `product ${id} not found`, { product_id: id });
const skuTaken = (sku: string) =>
  new DomainError('already_exists', 'SKU_TAKEN', `another product already has sku ${sku}`, { sku }, [{ field: 'sku', description: 'is already used by another product' }]);
const stale = (id: string) => new DomainError('aborted', 'ETAG_MISMATCH', `product ${id} was changed by someone else; re-read it and retry`, { product_id: id });

const productTarget = (id: string) => ({ type: 'product', id });

/**
 * Catalog use cases for products. Every write stores its event, and the audit record
 * of the staff member (or service) who made it, in the same atomic update.
 */
export class ProductCatalog {
  constructor(private readonly products: Model<ProductDoc>, private readonly onWrite: () => void = () => undefined) {}

  async create(input: ProductFields, origin: AuditContext): Promise<Product> {
    const fields = validateProduct(input);
    const _id = new Types.ObjectId();
    const now = new Date();
    const doc = { _id, ...fields, revision: 1, deletedAt: null, createdAt: now, updatedAt: now } as ProductDoc;
    const event = ProductCreated.encode(ProductCreated.fromPartial({ product: toProductMessage(doc), occurTime: now })).finish();
    try {
      const audit = auditOutboxEntry(origin, 'product.created', productTarget(_id.toHexString()), { sku: fields.sku });
      await this.products.create({ ...doc, outbox: [outboxEntry(SUBJECTS.created, 'shop.catalog.v1.ProductCreated', event), audit] });
    } catch (err) {
      if (isDuplicateKey(err)) throw skuTaken(fields.sku);
      throw err;
    }
    this.onWrite();
    return toProductMessage(doc);
  }

  async get(id: string, viewer: Viewer): Promise<Product> {
    const doc = await this.products.findOne({ _id: objectId(id), deletedAt: null }, { outbox: 0 }).lean<ProductDoc>();
    // Drafts and archived products do not exist for shoppers.
    if (!doc || (!viewer.seesUnpublished && doc.status !== ProductStatus.PRODUCT_STATUS_ACTIVE)) throw notFound(id);
    return toProductMessage(doc);
  }

  async list(req: { pageSize: number; pageToken: string; status: ProductStatus }, viewer: Viewer): Promise<{ products: Product[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize);
    const status = viewer.seesUnpublished ? req.status : ProductStatus.PRODUCT_STATUS_ACTIVE;
    const fingerprint = createHash('sha256').update(`${viewer.seesUnpublished}:${status}`).digest('base64url').slice(0, 12);
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const filter: Record<string, unknown> = { deletedAt: null };
    if (status !== ProductStatus.PRODUCT_STATUS_UNSPECIFIED) filter['status'] = status;
    if (cursor) filter['_id'] = { $lt: objectId(String(cursor['id'])) };
    // One extra row tells whether another page exists without a count query.
    const docs = await this.products.find(filter, { outbox: 0 }).sort({ _id: -1 }).limit(size + 1).lean<ProductDoc[]>();
    const page = docs.slice(0, size);
    const more = docs.length > size;
    return {
      products: page.map(toProductMessage),
      nextPageToken: more ? encodePageToken({ id: page[page.length - 1]!._id.toHexString() }, fingerprint) : '',
    };
  }

  /**
   * Read-modify-write guarded by the revision: the update applies only if nobody
   * changed the product in between. With a client etag a conflict is the client's to
   * resolve (ABORTED); without one we re-read and retry a few times.
   */
  async update(id: string, patch: ProductFields, mask: string[] | undefined, etag: string, origin: AuditContext): Promise<Product> {
    const _id = objectId(id);
    const fields = parseUpdateMask(mask, patch);
    const expected = etag ? revisionOf(etag) : null;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.products.findOne({ _id, deletedAt: null }, { outbox: 0 }).lean<ProductDoc>();
      if (!current) throw notFound(id);
      if (expected !== null && current.revision !== expected) throw stale(id);
      const next = validateProduct(applyPatch(fieldsOf(current), patch, fields));
      const now = new Date();
      const after = { ...current, ...next, revision: current.revision + 1, updatedAt: now } as ProductDoc;
      const changed = fields.filter((f) => JSON.stringify(next[f]) !== JSON.stringify(fieldsOf(current)[f]));
      const event = ProductUpdated.encode(ProductUpdated.fromPartial({ product: toProductMessage(after), changedFields: changed, occurTime: now })).finish();
      try {
        const result = await this.products.updateOne(
          { _id, revision: current.revision, deletedAt: null },
          {
            $set: { ...next, revision: after.revision, updatedAt: now },
            $push: outboxPush(
              outboxEntry(SUBJECTS.updated, 'shop.catalog.v1.ProductUpdated', event),
              auditOutboxEntry(origin, 'product.updated', productTarget(id), { changed_fields: changed.join(','), revision: String(after.revision) }),
            ),
          },
          { timestamps: false },
        );
        if (result.modifiedCount === 1) {
          this.onWrite();
          return toProductMessage(after);
        }
      } catch (err) {
        if (isDuplicateKey(err)) throw skuTaken(next.sku);
        throw err;
      }
      if (expected !== null) throw stale(id);
    }
    throw new DomainError('aborted', 'CONCURRENT_UPDATES', `product ${id} is being changed concurrently; retry`, { product_id: id });
  }

  /** Soft delete: the document stays (its outbox must reach the stream), the SKU is freed. */
  async delete(id: string, etag: string, origin: AuditContext): Promise<void> {
    const _id = objectId(id);
    const current = await this.products.findOne({ _id, deletedAt: null }, { revision: 1, sku: 1 }).lean<ProductDoc>();
    if (!current) throw notFound(id);
    const revision = etag ? revisionOf(etag) : current.revision;
    const now = new Date();
    const event = ProductDeleted.encode({ productId: id, sku: current.sku ?? '', occurTime: now }).finish();
    const result = await this.products.updateOne(
      { _id, revision, deletedAt: null },
      {
        $set: { deletedAt: now, deletedSku: current.sku, updatedAt: now },
        $unset: { sku: 1 },
        $inc: { revision: 1 },
        $push: outboxPush(
          outboxEntry(SUBJECTS.deleted, 'shop.catalog.v1.ProductDeleted', event),
          auditOutboxEntry(origin, 'product.deleted', productTarget(id), { sku: current.sku ?? '' }),
        ),
      },
      { timestamps: false },
    );
    if (result.modifiedCount !== 1) {
      const still = await this.products.exists({ _id, deletedAt: null });
      throw still ? stale(id) : notFound(id);
    }
    this.onWrite();
  }
}

function fieldsOf(doc: ProductDoc): ProductFields {
  return { name: doc.name, description: doc.description, sku: doc.sku ?? '', price: { ...doc.price }, status: doc.status };
}
