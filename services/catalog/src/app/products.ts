import { createHash } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import { Product, ProductStatus, type ListProductsRequest } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../../../../gen/shop/catalog/v1/events.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { outboxEntry, outboxPush } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { validateAttributeValues } from '../domain/attributes.js';
import { applyPatch, parseUpdateMask, pickTranslation, validateProduct, type ProductFields, type VariantFields } from '../domain/product.js';
import type { ProductDoc } from '../infra/models.js';
import type { LocalProductCache } from '../infra/local-product-cache.js';
import type { ProductCache } from '../infra/product-cache.js';
import type { ProductListCache } from '../infra/product-list-cache.js';
import type { CollectionDoc } from '../infra/taxonomy-models.js';
import { etagOf, isObjectId, revisionOf } from './messages.js';
import type { CatalogReferences, ResolvedReferences } from './references.js';
import { SkuClaims, skuTaken } from './sku-claims.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

export const SUBJECTS = {
  created: 'shop.catalog.product_created',
  updated: 'shop.catalog.product_updated',
  deleted: 'shop.catalog.product_deleted',
} as const;

/** What a caller may see: shoppers only active products; with catalog.products.read_unpublished, everything not deleted. */
export interface Viewer {
  seesUnpublished: boolean;
}

export interface ProductPage {
  products: Product[];
  nextPageToken: string;
}

/** The read caches: Redis per product, in process per product (event-invalidated), list pages (generation-checked). */
export interface ProductReadCaches {
  redis: ProductCache | null;
  local: LocalProductCache | null;
  lists: ProductListCache<ProductPage> | null;
}

/** The product as the API shows it, texts in `locale` where translated (else the default texts). */
export function toProductMessage(doc: ProductDoc, locale = ''): Product {
  const variants = (doc.variants ?? []).map((v) => ({ ...v, optionValues: { ...(v.optionValues ?? {}) }, dimensions: v.dimensions ?? undefined, images: v.images ?? [] }));
  const first = variants[0];
  const t = pickTranslation(doc.translations ?? [], locale);
  return Product.fromPartial({
    id: doc._id.toHexString(),
    name: t?.name || doc.name,
    description: t?.description || doc.description,
    sku: first?.sku ?? doc.sku ?? '',
    price: first?.price ?? { currencyCode: doc.price.currencyCode, amountMinor: doc.price.amountMinor },
    status: doc.status,
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
    slug: doc.slug ?? '',
    seoTitle: t?.seoTitle || doc.seoTitle || t?.name || doc.name,
    seoDescription: t?.seoDescription || doc.seoDescription || '',
    productTypeId: doc.productTypeId ?? '',
    brandId: doc.brandId ?? '',
    categoryIds: doc.categoryIds ?? [],
    options: doc.options ?? [],
    variants,
    images: doc.images ?? [],
    attributes: doc.attributes ?? [],
    translations: doc.translations ?? [],
  });
}

/** Drafts and archived products do not exist for shoppers. (A module function: no closure per read on the hot path.) */
function visibleTo(viewer: Viewer, product: Product): Product {
  if (!viewer.seesUnpublished && product.status !== ProductStatus.PRODUCT_STATUS_ACTIVE) throw notFound(product.id);
  return product;
}

function objectId(id: string): Types.ObjectId {
  if (!isObjectId(id)) throw notFound(id);
  return new Types.ObjectId(id);
}

const errors = resourceErrors('product');
const { notFound, stale } = errors;
const slugTaken = (slug: string) =>
  new DomainError('already_exists', 'SLUG_TAKEN', `another product already has slug ${slug}`, { slug }, [{ field: 'slug', description: 'is already used by another product' }]);
const productTarget = (id: string) => ({ type: 'product', id });
const isSlugConflict = (err: unknown) => isDuplicateKey(err) && /slug/.test(String((err as Error).message));

/** The stored fields of a product, with server ids for new variants. */
function stored(fields: ProductFields, refs: ResolvedReferences, previous: VariantFields[] = []): Omit<ProductDoc, '_id' | 'revision' | 'deletedAt' | 'createdAt' | 'updatedAt' | 'outbox'> {
  const known = new Set(previous.map((v) => v.id));
  const variants = fields.variants.map((v) => ({ ...v, id: v.id && known.has(v.id) ? v.id : new Types.ObjectId().toHexString() }));
  const first = variants[0]!;
  return {
    name: fields.name,
    description: fields.description,
    price: { currencyCode: first.price!.currencyCode, amountMinor: first.price!.amountMinor },
    status: fields.status,
    slug: fields.slug,
    seoTitle: fields.seoTitle,
    seoDescription: fields.seoDescription,
    productTypeId: fields.productTypeId,
    brandId: fields.brandId,
    categoryIds: fields.categoryIds,
    categoryPath: refs.categoryPath,
    options: fields.options,
    variants,
    images: fields.images,
    attributes: fields.attributes,
    translations: fields.translations,
  };
}

/** A stored product as the fields staff edit (issue-2 documents get their default variant). */
export function fieldsOf(doc: ProductDoc): ProductFields {
  const message = toProductMessage(doc);
  return {
    name: doc.name,
    description: doc.description,
    sku: message.sku,
    price: message.price,
    status: doc.status,
    slug: doc.slug ?? '',
    seoTitle: doc.seoTitle ?? '',
    seoDescription: doc.seoDescription ?? '',
    productTypeId: doc.productTypeId ?? '',
    brandId: doc.brandId ?? '',
    categoryIds: [...(doc.categoryIds ?? [])],
    options: message.options,
    // Issue-2 documents have no variants: their sku and price become the default variant.
    variants: doc.variants?.length ? message.variants.map((v) => ({ ...v })) : [],
    images: message.images,
    attributes: message.attributes,
    translations: message.translations,
  };
}

/** Validates the product and everything it refers to; attribute values against the type. */
async function validated(input: ProductFields, references: CatalogReferences): Promise<{ fields: ProductFields; refs: ResolvedReferences }> {
  const fields = validateProduct(input);
  const refs = await references.resolve(fields);
  const v = new Violations();
  fields.attributes = validateAttributeValues(refs.definitions, fields.attributes, v);
  v.throwIfAny();
  return { fields, refs };
}

const skuFields = (fields: ProductFields, skus: Set<string>) =>
  fields.variants.flatMap((v, i) => (skus.has(v.sku) ? [{ sku: v.sku, field: fields.variants.length === 1 ? 'sku' : `variants[${i}].sku` }] : []));

/**
 * Catalog use cases for products. Every write stores its event, and the audit record
 * of the staff member (or service) who made it, in the same atomic update; SKUs are
 * claimed in variant_skus before the write and released when it fails.
 */
export class ProductCatalog {
  constructor(
    private readonly products: Model<ProductDoc>,
    private readonly skus: SkuClaims,
    private readonly references: CatalogReferences,
    private readonly caches: ProductReadCaches,
    private readonly collections: Model<CollectionDoc> | null,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  async create(input: ProductFields, origin: AuditContext): Promise<Product> {
    const { fields, refs } = await validated(input, this.references);
    const _id = new Types.ObjectId();
    const id = _id.toHexString();
    const all = new Set(fields.variants.map((v) => v.sku));
    await this.skus.claim(id, skuFields(fields, all));
    const slugGiven = input.slug.trim() !== '';
    try {
      for (let attempt = 0; ; attempt++) {
        const now = new Date();
        const doc = { _id, ...stored(fields, refs), revision: 1, deletedAt: null, createdAt: now, updatedAt: now } as ProductDoc;
        // A derived slug that is taken gets the id's tail: names repeat, slugs may not.
        if (attempt > 0) doc.slug = `${fields.slug.slice(0, 80)}-${id.slice(-8)}`;
        const product = toProductMessage(doc);
        const event = ProductCreated.encode(ProductCreated.fromPartial({ product, occurTime: now, brand: refs.brand, categories: refs.categories, productType: refs.productType })).finish();
        const audit = auditOutboxEntry(origin, 'product.created', productTarget(id), { sku: product.sku, skus: [...all].join(',') });
        try {
          await this.products.create({ ...doc, outbox: [outboxEntry(SUBJECTS.created, 'shop.catalog.v1.ProductCreated', event), audit] });
          this.caches.local?.put(product);
          await this.caches.lists?.bump().catch(() => undefined);
          this.onWrite();
          return product;
        } catch (err) {
          if (isSlugConflict(err) && !slugGiven && attempt === 0) continue;
          if (isSlugConflict(err)) throw slugTaken(doc.slug!);
          if (isDuplicateKey(err)) throw skuTaken(fields.sku);
          throw err;
        }
      }
    } catch (err) {
      await this.skus.release(id, [...all]);
      throw err;
    }
  }

  /**
   * In-process cache first (no I/O), then Redis, then MongoDB. The Redis version is read
   * (with the Redis lookup, in one round trip) before MongoDB; see ProductCache and
   * LocalProductCache for why neither can be refilled with the state before a write.
   */
  async get(id: string, viewer: Viewer, locale = ''): Promise<Product> {
    const rendering = locale.toLowerCase();
    const field = `${rendering}|${viewer.seesUnpublished ? 'staff' : 'public'}`;
    const { redis, local } = this.caches;
    const cached = local?.get(id, rendering);
    if (cached) return visibleTo(viewer, cached);
    const _id = objectId(id);
    const token = local?.begin() ?? { epoch: 0, anchor: null };
    let version: string | null = null;
    if (redis) {
      const [hit, seen] = await Promise.all([redis.get(id, field).catch(() => null), redis.version(id).catch(() => null)]);
      if (hit) {
        local?.fill(id, rendering, hit, token);
        return hit;
      }
      version = seen;
    }
    // By _id alone: the store answers that from its index; a second condition makes it scan.
    const doc = await this.products.findOne({ _id }, { outbox: 0 }).lean<ProductDoc>();
    if (!doc || doc.deletedAt) throw notFound(id);
    const product = toProductMessage(doc, locale);
    local?.fill(id, rendering, product, token);
    visibleTo(viewer, product);
    if (redis && version !== null) await redis.fill(id, field, version, product).catch(() => undefined);
    return product;
  }

  /** A page from the list cache when no write happened since it was read (see ProductListCache). */
  async list(req: ListProductsRequest, viewer: Viewer): Promise<ProductPage> {
    const size = pageSize(req.pageSize);
    const lists = this.caches.lists;
    if (!lists) return this.listFromStore(req, viewer, size);
    const key = [viewer.seesUnpublished, req.status, req.categoryId, req.brandId, req.updatedAfter?.getTime() ?? 0, req.collectionId, req.locale, size, req.pageToken].join('|');
    return lists.read(key, () => this.listFromStore(req, viewer, size));
  }

  private async listFromStore(req: ListProductsRequest, viewer: Viewer, size: number): Promise<ProductPage> {
    const status = viewer.seesUnpublished ? req.status : ProductStatus.PRODUCT_STATUS_ACTIVE;
    const updatedAfter = req.updatedAfter ? req.updatedAfter.getTime() : 0;
    const query = [viewer.seesUnpublished, status, req.categoryId, req.brandId, updatedAfter, req.collectionId, req.locale].join('|');
    const fingerprint = createHash('sha256').update(query).digest('base64url').slice(0, 12);
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const filter: Record<string, unknown> = { deletedAt: null };
    if (status !== ProductStatus.PRODUCT_STATUS_UNSPECIFIED) filter['status'] = status;
    if (req.categoryId) filter['categoryPath'] = req.categoryId;
    if (req.brandId) filter['brandId'] = req.brandId;
    if (updatedAfter) filter['updatedAt'] = { $gt: req.updatedAfter };
    const idFilter: Record<string, unknown> = {};
    if (req.collectionId) {
      const collection = isObjectId(req.collectionId) && this.collections ? await this.collections.findOne({ _id: req.collectionId, deletedAt: null }, { productIds: 1 }).lean() : null;
      idFilter['$in'] = (collection?.productIds ?? []).filter(isObjectId).map((x) => new Types.ObjectId(x));
    }
    if (cursor) idFilter['$lt'] = objectId(String(cursor['id']));
    if (Object.keys(idFilter).length > 0) filter['_id'] = idFilter;
    // One extra row tells whether another page exists without a count query.
    const docs = await this.products.find(filter, { outbox: 0 }).sort({ _id: -1 }).limit(size + 1).lean<ProductDoc[]>();
    const page = docs.slice(0, size);
    const more = docs.length > size;
    return {
      products: page.map((d) => toProductMessage(d, req.locale)),
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
    const masked = parseUpdateMask(mask, patch);
    return writeAtRevision({
      id,
      expectedRevision: etag ? revisionOf(etag) : null,
      errors,
      load: () => this.products.findOne({ _id, deletedAt: null }, { outbox: 0 }).lean<ProductDoc>().exec(),
      attempt: async (current) => {
        const before = fieldsOf(current);
        const { fields: next, refs } = await validated(applyPatch(before, patch, masked), this.references);
        const now = new Date();
        const values = stored(next, refs, current.variants ?? []);
        const after = { ...current, ...values, revision: current.revision + 1, updatedAt: now } as ProductDoc;
        const product = toProductMessage(after);
        const previous = toProductMessage(current);
        const changed = masked.filter((f) => {
          const key = f.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Product;
          return JSON.stringify(product[key]) !== JSON.stringify(previous[key]);
        });
        const oldSkus = new Set([...(current.variants ?? []).map((v) => v.sku), ...(current.sku ? [current.sku] : [])]);
        const newSkus = new Set(values.variants.map((v) => v.sku));
        const added = new Set([...newSkus].filter((s) => !oldSkus.has(s) || (current.sku === s && !current.variants?.length)));
        await this.skus.claim(id, skuFields(next, added));
        const event = ProductUpdated.encode(ProductUpdated.fromPartial({ product, changedFields: changed, occurTime: now, brand: refs.brand, categories: refs.categories, productType: refs.productType })).finish();
        let done = false;
        try {
          const result = await this.products.updateOne(
            { _id, revision: current.revision, deletedAt: null },
            {
              $set: { ...values, revision: after.revision, updatedAt: now },
              $unset: { sku: 1 },
              $push: outboxPush(
                outboxEntry(SUBJECTS.updated, 'shop.catalog.v1.ProductUpdated', event),
                auditOutboxEntry(origin, 'product.updated', productTarget(id), { changed_fields: changed.join(','), revision: String(after.revision) }),
              ),
            },
            { timestamps: false },
          );
          done = result.modifiedCount === 1;
        } catch (err) {
          await this.skus.release(id, [...added]);
          if (isSlugConflict(err)) throw slugTaken(values.slug!);
          if (isDuplicateKey(err)) throw skuTaken(next.sku);
          throw err;
        }
        if (!done) {
          await this.skus.release(id, [...added]);
          return LOST_RACE;
        }
        this.caches.local?.put(product);
        await this.skus.release(id, [...oldSkus].filter((s) => !newSkus.has(s)));
        await this.invalidate([id]);
        this.onWrite();
        return product;
      },
    });
  }

  /** Soft delete: the document stays (its outbox must reach the stream), its SKUs and slug are freed. */
  async delete(id: string, etag: string, origin: AuditContext): Promise<void> {
    const _id = objectId(id);
    const current = await this.products.findOne({ _id, deletedAt: null }, { outbox: 0 }).lean<ProductDoc>();
    if (!current) throw notFound(id);
    const revision = etag ? revisionOf(etag) : current.revision;
    const now = new Date();
    const sku = toProductMessage(current).sku;
    const skus = [...new Set([...(current.variants ?? []).map((v) => v.sku), ...(current.sku ? [current.sku] : [])])];
    const event = ProductDeleted.encode({ productId: id, sku, occurTime: now }).finish();
    const result = await this.products.updateOne(
      { _id, revision, deletedAt: null },
      {
        $set: { deletedAt: now, deletedSku: sku, updatedAt: now },
        $unset: { sku: 1, slug: 1 },
        $inc: { revision: 1 },
        $push: outboxPush(
          outboxEntry(SUBJECTS.deleted, 'shop.catalog.v1.ProductDeleted', event),
          auditOutboxEntry(origin, 'product.deleted', productTarget(id), { sku }),
        ),
      },
      { timestamps: false },
    );
    if (result.modifiedCount !== 1) {
      const still = await this.products.exists({ _id, deletedAt: null });
      throw still ? stale(id) : notFound(id);
    }
    this.caches.local?.invalidate(id, 'deleted');
    await this.skus.release(id, skus);
    await this.invalidate([id]);
    this.onWrite();
  }

  /**
   * After a write that changes what GetProduct shows: drops the products' Redis
   * renderings and makes every cached list page old. (This replica's in-process cache
   * was invalidated right after the MongoDB write; other replicas' by the write's event.)
   */
  async invalidate(ids: string[]): Promise<void> {
    const { redis, lists } = this.caches;
    if (ids.length === 0) return;
    await Promise.all([redis?.invalidate(ids), lists?.bump()]);
  }
}
