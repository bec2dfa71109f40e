import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Types, type Model } from 'mongoose';
import type { ListCategoriesRequest } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { CategoryChanged, CategoryDeleted } from '../../../../gen/shop/catalog/v1/events.js';
import type { Category } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError } from '../../../platform/src/errors.js';
import { outboxEntry, outboxPush } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { ancestorsUnder, categoryPathOf, MAX_DEPTH, rebaseDescendant } from '../domain/category-tree.js';
import type { ProductDoc } from '../infra/models.js';
import type { CategoryDoc, TaxonomyModels } from '../infra/taxonomy-models.js';
import { isObjectId, revisionOf, toCategoryMessage } from './messages.js';
import { CATEGORY_MASK, maskedFields, validateCategory, type CategoryFields } from './taxonomy-fields.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

export const CATEGORY_SUBJECTS = { changed: 'shop.catalog.category_changed', deleted: 'shop.catalog.category_deleted' } as const;

/** A move holds the tree lease at most this long; a crashed holder's lease is taken over after it. */
const LEASE_MS = 30_000;
const LEASE_WAIT_MS = 10_000;
const REPAIR_PASSES = 10;

const errors = resourceErrors('category');
const { notFound } = errors;
const slugTaken = (slug: string) =>
  new DomainError('already_exists', 'SLUG_TAKEN', `a sibling category already has slug ${slug}`, { slug }, [{ field: 'category.slug', description: 'is already used by a category with the same parent' }]);
const noParent = (id: string) =>
  new DomainError('invalid_argument', 'INVALID_ARGUMENT', `no such category ${id}`, {}, [{ field: 'category.parent_id', description: 'no such category' }]);
const target = (id: string) => ({ type: 'category', id });
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameSet = (a: string[], b: string[]) => a.length === b.length && new Set([...a, ...b]).size === a.length;

/**
 * Category tree use cases. Each category stores its ancestor ids (root first), and each
 * product the ids of its categories and all their ancestors, so a move must rewrite the
 * subtree and its products; see `repairSubtree` for how that stays right without
 * transactions.
 */
export class Categories {
  constructor(
    private readonly models: TaxonomyModels,
    private readonly products: Model<ProductDoc>,
    private readonly onWrite: () => void = () => undefined,
    /** Product list pages filtered by category change when products move (the list cache's generation). */
    private readonly listsChanged: () => Promise<void> = async () => undefined,
  ) {}

  private live(id: string): Promise<CategoryDoc | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    return this.models.categories.findOne({ _id: id, deletedAt: null }, { outbox: 0 }).lean<CategoryDoc>().exec();
  }

  private async ancestorsOf(ids: string[]): Promise<Map<string, CategoryDoc>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const docs = await this.models.categories.find({ _id: { $in: unique } }, { outbox: 0 }).lean<CategoryDoc[]>();
    return new Map(docs.map((d) => [d._id.toHexString(), d]));
  }

  private async message(doc: CategoryDoc): Promise<Category> {
    return toCategoryMessage(doc, await this.ancestorsOf(doc.ancestorIds));
  }

  private changedEntry(category: Category, at: Date) {
    return outboxEntry(CATEGORY_SUBJECTS.changed, 'shop.catalog.v1.CategoryChanged', CategoryChanged.encode({ category, occurTime: at }).finish());
  }

  async create(input: CategoryFields, origin: AuditContext): Promise<Category> {
    const fields = validateCategory(input);
    const parent = fields.parentId ? await this.live(fields.parentId) : null;
    if (fields.parentId && !parent) throw noParent(fields.parentId);
    const ancestorIds = ancestorsUnder(null, parent && { id: fields.parentId, ancestorIds: parent.ancestorIds });
    const _id = new Types.ObjectId();
    const id = _id.toHexString();
    const slugGiven = input.slug.trim() !== '';
    for (let attempt = 0; ; attempt++) {
      const now = new Date();
      // A derived slug a sibling already has gets the id's tail; a chosen one is the client's conflict.
      const slug = attempt === 0 ? fields.slug : `${fields.slug.slice(0, 80)}-${id.slice(-8)}`;
      const doc = { _id, ...fields, slug, ancestorIds, revision: 1, deletedAt: null, createdAt: now, updatedAt: now } as CategoryDoc;
      const category = await this.message(doc);
      try {
        await this.models.categories.create({
          ...doc,
          outbox: [this.changedEntry(category, now), auditOutboxEntry(origin, 'category.created', target(id), { parent_id: fields.parentId })],
        });
      } catch (err) {
        if (isDuplicateKey(err) && !slugGiven && attempt === 0) continue;
        if (isDuplicateKey(err)) throw slugTaken(slug);
        throw err;
      }
      this.onWrite();
      return this.settleChild(id, category, origin);
    }
  }

  /**
   * A create that read its parent just before the parent was moved or deleted: the move's
   * repair may have scanned the subtree before this insert, so re-check after it.
   */
  private async settleChild(id: string, category: Category, origin: AuditContext): Promise<Category> {
    if (!category.parentId) return category;
    const parent = await this.live(category.parentId);
    if (!parent) {
      await this.delete(id, origin).catch(() => undefined);
      throw new DomainError('failed_precondition', 'PARENT_DELETED', `category ${category.parentId} was deleted meanwhile`, { parent_id: category.parentId });
    }
    const want = [...parent.ancestorIds, category.parentId];
    if (sameList(want, category.ancestors.map((a) => a.id))) return category;
    await this.repairSubtree(category.parentId);
    const doc = await this.live(id);
    return doc ? this.message(doc) : category;
  }

  async get(id: string): Promise<Category> {
    const doc = await this.live(id);
    if (!doc) throw notFound(id);
    return this.message(doc);
  }

  /** Children of a parent in position order (ties by creation), keyset-paged. */
  async list(req: ListCategoriesRequest): Promise<{ categories: Category[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const parentId = req.parentId.trim();
    const cursor = decodePageToken(req.pageToken, `c:${parentId}`);
    const filter: Record<string, unknown> = { parentId, deletedAt: null };
    if (cursor) {
      const p = Number(cursor['p']);
      const after = new Types.ObjectId(String(cursor['id']));
      filter['$or'] = [{ position: { $gt: p } }, { position: p, _id: { $gt: after } }];
    }
    const docs = await this.models.categories.find(filter, { outbox: 0 }).sort({ position: 1, _id: 1 }).limit(size + 1).lean<CategoryDoc[]>();
    const page = docs.slice(0, size);
    const ancestors = await this.ancestorsOf(page.flatMap((d) => d.ancestorIds));
    const last = page[page.length - 1];
    return {
      categories: page.map((d) => toCategoryMessage(d, ancestors)),
      nextPageToken: docs.length > size && last ? encodePageToken({ p: last.position, id: last._id.toHexString() }, `c:${parentId}`) : '',
    };
  }

  /**
   * Rename, reorder (position) or move (parent_id). The write is conditional on the
   * revision read; with a client etag a conflict is 409, without one it is retried.
   * Moves hold the tree lease so two moves cannot each pass the cycle check against
   * the other's old place.
   */
  async update(id: string, patch: CategoryFields, mask: string[] | undefined, etag: string, origin: AuditContext): Promise<Category> {
    const given = { name: patch.name !== '', slug: patch.slug !== '', parent_id: patch.parentId !== '', position: patch.position !== 0, description: patch.description !== '' };
    const masked = maskedFields(mask, CATEGORY_MASK, (f) => given[f]);
    const expected = etag ? revisionOf(etag) : null;
    if (!masked.includes('parent_id')) return this.write(id, patch, masked, expected, origin);
    return this.withTreeLease(async () => {
      await this.repairPending();
      return this.write(id, patch, masked, expected, origin);
    });
  }

  private async write(id: string, patch: CategoryFields, masked: string[], expected: number | null, origin: AuditContext): Promise<Category> {
    return writeAtRevision({
      id,
      expectedRevision: expected,
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        const next: CategoryFields = { name: current.name, slug: current.slug, parentId: current.parentId, position: current.position, description: current.description };
        if (masked.includes('name')) next.name = patch.name;
        if (masked.includes('slug')) next.slug = patch.slug;
        if (masked.includes('parent_id')) next.parentId = patch.parentId;
        if (masked.includes('position')) next.position = patch.position;
        if (masked.includes('description')) next.description = patch.description;
        const fields = validateCategory(next);
        const moved = fields.parentId !== current.parentId;
        let ancestorIds = current.ancestorIds;
        if (moved) {
          const parent = fields.parentId ? await this.live(fields.parentId) : null;
          if (fields.parentId && !parent) throw noParent(fields.parentId);
          ancestorIds = ancestorsUnder({ id }, parent && { id: fields.parentId, ancestorIds: parent.ancestorIds });
          await this.checkSubtreeDepth(id, ancestorIds.length);
        }
        const now = new Date();
        const after = { ...current, ...fields, ancestorIds, revision: current.revision + 1, updatedAt: now } as CategoryDoc;
        const category = await this.message(after);
        const changed = masked.filter((f) => f !== 'parent_id' || moved);
        let done = false;
        try {
          const result = await this.models.categories.updateOne(
            { _id: id, revision: current.revision, deletedAt: null },
            {
              // repairPending stays until the subtree and its products carry the new ancestors.
              $set: { ...fields, ancestorIds, revision: after.revision, updatedAt: now, ...(moved ? { repairPending: true } : {}) },
              $push: outboxPush(
                this.changedEntry(category, now),
                auditOutboxEntry(origin, moved ? 'category.moved' : 'category.updated', target(id), { changed_fields: changed.join(','), parent_id: fields.parentId }),
              ),
            },
            { timestamps: false },
          );
          done = result.modifiedCount === 1;
        } catch (err) {
          if (isDuplicateKey(err)) throw slugTaken(fields.slug);
          throw err;
        }
        if (!done) return LOST_RACE;
        this.onWrite();
        if (moved) await this.repairSubtree(id);
        return category;
      },
    });
  }

  /** A move must not push any descendant below the deepest allowed level. */
  private async checkSubtreeDepth(id: string, newAncestorCount: number): Promise<void> {
    const descendants = await this.models.categories.find({ ancestorIds: id, deletedAt: null }, { ancestorIds: 1 }).lean<CategoryDoc[]>();
    const below = Math.max(0, ...descendants.map((d) => d.ancestorIds.length - d.ancestorIds.indexOf(id)));
    if (newAncestorCount + below >= MAX_DEPTH) {
      throw new DomainError('failed_precondition', 'CATEGORY_TOO_DEEP', `categories nest at most ${MAX_DEPTH} levels`, { category_id: id });
    }
  }

  /**
   * Brings the subtree under `rootId` and its products in line with the root's stored
   * ancestors. Idempotent: every value is recomputed from the current root, each write
   * is conditional on the revision it read, and passes repeat until one changes
   * nothing, so writes that raced the move (a child created, a descendant renamed, a
   * product saved with the old path) are caught by a later pass. The root's
   * `repairPending` flag is cleared only then; a crash leaves it set, and the next move
   * or service start finishes the job.
   */
  async repairSubtree(rootId: string): Promise<void> {
    for (let pass = 0; pass < REPAIR_PASSES; pass++) {
      const root = await this.live(rootId);
      if (!root) return;
      let changed = 0;
      const descendants = await this.models.categories.find({ ancestorIds: rootId, deletedAt: null }, { outbox: 0 }).lean<CategoryDoc[]>();
      const names = await this.ancestorsOf([...root.ancestorIds, rootId, ...descendants.map((d) => d._id.toHexString())]);
      for (const d of descendants) {
        const want = rebaseDescendant(d.ancestorIds, rootId, root.ancestorIds);
        if (sameList(want, d.ancestorIds)) continue;
        changed++;
        const now = new Date();
        const category = toCategoryMessage({ ...d, ancestorIds: want, revision: d.revision + 1, updatedAt: now }, names);
        await this.models.categories.updateOne(
          { _id: d._id, revision: d.revision, deletedAt: null },
          { $set: { ancestorIds: want, revision: d.revision + 1, updatedAt: now }, $push: outboxPush(this.changedEntry(category, now)) },
          { timestamps: false },
        );
      }
      const products = await this.products.find({ categoryPath: rootId, deletedAt: null }, { categoryIds: 1, categoryPath: 1, revision: 1 }).lean<ProductDoc[]>();
      const tree = await this.ancestorsOf(products.flatMap((p) => p.categoryIds));
      let moved = 0;
      for (const p of products) {
        const nodes = p.categoryIds.flatMap((c) => {
          const doc = tree.get(c);
          return doc ? [{ id: c, ancestorIds: doc.ancestorIds }] : [];
        });
        const want = categoryPathOf(nodes);
        if (sameSet(want, p.categoryPath)) continue;
        changed++;
        moved++;
        // categoryPath is not part of the product's API state: no revision bump, no event
        // (consumers rebase their paths from CategoryChanged), the etag stays valid.
        await this.products.updateOne({ _id: p._id, revision: p.revision }, { $set: { categoryPath: want } }, { timestamps: false });
      }
      if (moved > 0) await this.listsChanged();
      if (changed === 0) {
        if (root.repairPending) await this.models.categories.updateOne({ _id: rootId, revision: root.revision }, { $unset: { repairPending: 1 } }, { timestamps: false });
        return;
      }
    }
  }

  /** Finishes moves a crash interrupted (their root still has repairPending). */
  async repairPending(): Promise<void> {
    const pending = await this.models.categories.find({ repairPending: true, deletedAt: null }, { _id: 1 }).lean<CategoryDoc[]>();
    for (const doc of pending) await this.repairSubtree(doc._id.toHexString());
  }

  /** Serialises moves across processes with a lease document; a dead holder's lease expires. */
  private async withTreeLease<T>(work: () => Promise<T>): Promise<T> {
    const holder = randomUUID();
    const deadline = Date.now() + LEASE_WAIT_MS;
    for (;;) {
      try {
        await this.models.treeLeases.create({ _id: 'categories', holder, expiresAt: new Date(Date.now() + LEASE_MS) });
        break;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await this.models.treeLeases.deleteOne({ _id: 'categories', expiresAt: { $lt: new Date() } });
        if (Date.now() > deadline) throw new DomainError('aborted', 'CATEGORY_TREE_BUSY', 'another category move is in progress; retry', {});
        await sleep(10 + Math.random() * 40);
      }
    }
    try {
      return await work();
    } finally {
      await this.models.treeLeases.deleteOne({ _id: 'categories', holder }).catch(() => undefined);
    }
  }

  /** Deletes a leaf category no product is in; its slug is freed for its siblings. */
  async delete(id: string, origin: AuditContext): Promise<void> {
    await writeAtRevision({
      id,
      expectedRevision: null,
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        if (await this.models.categories.exists({ parentId: id, deletedAt: null })) {
          throw new DomainError('failed_precondition', 'CATEGORY_HAS_CHILDREN', `category ${id} has subcategories; move or delete them first`, { category_id: id });
        }
        if (await this.products.exists({ categoryPath: id, deletedAt: null })) {
          throw new DomainError('failed_precondition', 'CATEGORY_HAS_PRODUCTS', `category ${id} still has products`, { category_id: id });
        }
        const now = new Date();
        const result = await this.models.categories.updateOne(
          { _id: id, revision: current.revision, deletedAt: null },
          {
            // The sibling-slug index needs some slug; `~` cannot occur in a client's slug.
            $set: { deletedAt: now, deletedSlug: current.slug, slug: `~${id}`, updatedAt: now, revision: current.revision + 1 },
            $push: outboxPush(
              outboxEntry(CATEGORY_SUBJECTS.deleted, 'shop.catalog.v1.CategoryDeleted', CategoryDeleted.encode({ categoryId: id, occurTime: now }).finish()),
              auditOutboxEntry(origin, 'category.deleted', target(id), { slug: current.slug }),
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
