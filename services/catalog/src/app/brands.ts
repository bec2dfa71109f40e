import { Types, type Model } from 'mongoose';
import type { ListBrandsRequest } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { BrandChanged, BrandDeleted } from '../../../../gen/shop/catalog/v1/events.js';
import type { Brand } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError } from '../../../platform/src/errors.js';
import { outboxEntry, outboxPush } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import type { ProductDoc } from '../infra/models.js';
import type { BrandDoc } from '../infra/taxonomy-models.js';
import { isObjectId, revisionOf, toBrandMessage } from './messages.js';
import { BRAND_MASK, maskedFields, validateBrand, type BrandFields } from './taxonomy-fields.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

export const BRAND_SUBJECTS = { changed: 'shop.catalog.brand_changed', deleted: 'shop.catalog.brand_deleted' } as const;

/** The key that makes brand names unique regardless of case (and of Unicode spelling variants). */
export const brandNameKey = (name: string) => name.normalize('NFKC').toLowerCase();

const errors = resourceErrors('brand');
const { notFound } = errors;
const nameTaken = (name: string) =>
  new DomainError('already_exists', 'BRAND_NAME_TAKEN', `a brand named ${name} already exists`, { name }, [{ field: 'brand.name', description: 'is already used by another brand (names are case-insensitive)' }]);
const slugTaken = (slug: string) =>
  new DomainError('already_exists', 'SLUG_TAKEN', `another brand already has slug ${slug}`, { slug }, [{ field: 'brand.slug', description: 'is already used by another brand' }]);
const isNameConflict = (err: unknown) => isDuplicateKey(err) && /nameKey/.test(String((err as Error).message));
const target = (id: string) => ({ type: 'brand', id });

/**
 * Brand use cases. Unique names (case-insensitive) and slugs are unique indexes, so
 * racing creates of one name leave exactly one brand; every write carries its
 * BrandChanged/BrandDeleted event and audit record in the same update.
 */
export class Brands {
  constructor(
    private readonly brands: Model<BrandDoc>,
    private readonly products: Model<ProductDoc>,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  private live(id: string): Promise<BrandDoc | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    return this.brands.findOne({ _id: id, deletedAt: null }, { outbox: 0 }).lean<BrandDoc>().exec();
  }

  private changedEntry(brand: Brand, at: Date) {
    return outboxEntry(BRAND_SUBJECTS.changed, 'shop.catalog.v1.BrandChanged', BrandChanged.encode({ brand, occurTime: at }).finish());
  }

  async create(input: BrandFields, origin: AuditContext): Promise<Brand> {
    const fields = validateBrand(input);
    const _id = new Types.ObjectId();
    const id = _id.toHexString();
    const slugGiven = input.slug.trim() !== '';
    for (let attempt = 0; ; attempt++) {
      const now = new Date();
      const slug = attempt === 0 ? fields.slug : `${fields.slug.slice(0, 80)}-${id.slice(-8)}`;
      const doc = { _id, ...fields, slug, nameKey: brandNameKey(fields.name), revision: 1, deletedAt: null, createdAt: now, updatedAt: now } as BrandDoc;
      const brand = toBrandMessage(doc);
      try {
        await this.brands.create({ ...doc, outbox: [this.changedEntry(brand, now), auditOutboxEntry(origin, 'brand.created', target(id), { name: fields.name })] });
        this.onWrite();
        return brand;
      } catch (err) {
        if (isNameConflict(err)) throw nameTaken(fields.name);
        if (isDuplicateKey(err) && !slugGiven && attempt === 0) continue;
        if (isDuplicateKey(err)) throw slugTaken(slug);
        throw err;
      }
    }
  }

  async get(id: string): Promise<Brand> {
    const doc = await this.live(id);
    if (!doc) throw notFound(id);
    return toBrandMessage(doc);
  }

  /** Brands by name (case-insensitive order), keyset-paged. */
  async list(req: ListBrandsRequest): Promise<{ brands: Brand[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const cursor = decodePageToken(req.pageToken, 'brands');
    const filter: Record<string, unknown> = { deletedAt: null };
    if (cursor) {
      const after = new Types.ObjectId(String(cursor['id']));
      filter['$or'] = [{ nameKey: { $gt: String(cursor['n']) } }, { nameKey: String(cursor['n']), _id: { $gt: after } }];
    }
    const docs = await this.brands.find(filter, { outbox: 0 }).sort({ nameKey: 1, _id: 1 }).limit(size + 1).lean<BrandDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return {
      brands: page.map(toBrandMessage),
      nextPageToken: docs.length > size && last ? encodePageToken({ n: last.nameKey ?? '', id: last._id.toHexString() }, 'brands') : '',
    };
  }

  /**
   * Conditional on the revision read. Products keep only the brand id, so GetProduct's
   * cache holds nothing to invalidate; event consumers get BrandChanged.
   */
  async update(id: string, patch: BrandFields, mask: string[] | undefined, etag: string, origin: AuditContext): Promise<Brand> {
    const given = { name: patch.name !== '', slug: patch.slug !== '', description: patch.description !== '', logo_url: patch.logoUrl !== '' };
    const masked = maskedFields(mask, BRAND_MASK, (f) => given[f]);
    return writeAtRevision({
      id,
      expectedRevision: etag ? revisionOf(etag) : null,
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        const next: BrandFields = { name: current.name, slug: current.slug ?? '', description: current.description, logoUrl: current.logoUrl };
        if (masked.includes('name')) next.name = patch.name;
        if (masked.includes('slug')) next.slug = patch.slug;
        if (masked.includes('description')) next.description = patch.description;
        if (masked.includes('logo_url')) next.logoUrl = patch.logoUrl;
        const fields = validateBrand(next);
        const now = new Date();
        const after = { ...current, ...fields, nameKey: brandNameKey(fields.name), revision: current.revision + 1, updatedAt: now } as BrandDoc;
        const brand = toBrandMessage(after);
        try {
          const result = await this.brands.updateOne(
            { _id: id, revision: current.revision, deletedAt: null },
            {
              $set: { ...fields, nameKey: after.nameKey, revision: after.revision, updatedAt: now },
              $push: outboxPush(this.changedEntry(brand, now), auditOutboxEntry(origin, 'brand.updated', target(id), { changed_fields: masked.join(',') })),
            },
            { timestamps: false },
          );
          if (result.modifiedCount !== 1) return LOST_RACE;
        } catch (err) {
          if (isNameConflict(err)) throw nameTaken(fields.name);
          if (isDuplicateKey(err)) throw slugTaken(fields.slug);
          throw err;
        }
        this.onWrite();
        return brand;
      },
    });
  }

  /** Deletes a brand no product (of any status) uses; its name and slug are free again. */
  async delete(id: string, origin: AuditContext): Promise<void> {
    await writeAtRevision({
      id,
      expectedRevision: null,
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        if (await this.products.exists({ brandId: id, deletedAt: null })) {
          throw new DomainError('failed_precondition', 'BRAND_IN_USE', `brand ${id} is still used by products`, { brand_id: id });
        }
        const now = new Date();
        const result = await this.brands.updateOne(
          { _id: id, revision: current.revision, deletedAt: null },
          {
            $set: { deletedAt: now, updatedAt: now, revision: current.revision + 1 },
            $unset: { nameKey: 1, slug: 1 },
            $push: outboxPush(
              outboxEntry(BRAND_SUBJECTS.deleted, 'shop.catalog.v1.BrandDeleted', BrandDeleted.encode({ brandId: id, occurTime: now }).finish()),
              auditOutboxEntry(origin, 'brand.deleted', target(id), { name: current.name }),
            ),
          },
          { timestamps: false },
        );
        if (result.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return undefined;
      },
    });
  }
}
