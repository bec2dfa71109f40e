import { randomBytes } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import { selfUserId } from '../../../platform/src/auth.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { expectedRevision } from '../../../platform/src/etag.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import type { WishlistDoc } from '../infra/wishlists.js';
import type { CustomerGateways } from '../infra/customer-gateways.js';
import type { CartAnswer, Carts } from './carts.js';
import type { CatalogPort, SkuInfo } from './ports.js';

const ERRORS = resourceErrors('wishlist');
export const MAX_WISHLISTS = 20;
export const MAX_WISHLIST_ITEMS = 200;

/** A wishlist with each item described from the catalog now. */
export interface DescribedWishlist {
  doc: WishlistDoc;
  skus: Map<string, SkuInfo>;
}

function validName(raw: string, field = 'name'): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > 100) new Violations().add(field, 'must be 1 to 100 characters').throwIfAny();
  return name;
}

function validSku(raw: string): string {
  const sku = raw.trim();
  if (sku === '' || sku.length > 64) new Violations().add('sku', 'must be 1 to 64 characters').throwIfAny();
  return sku;
}

/**
 * Wishlists: several named lists per customer (only their own), SKUs added and
 * removed with single atomic updates (adding twice or removing twice is harmless),
 * moved into a cart, and shared read-only through an unguessable link token.
 */
export class Wishlists {
  constructor(
    private readonly model: Model<WishlistDoc>,
    private readonly catalog: CatalogPort,
    private readonly carts: Carts,
    private readonly customers: CustomerGateways | null,
  ) {}

  async create(name: string, ctx: CallContext): Promise<DescribedWishlist> {
    const customerId = selfUserId(ctx);
    const valid = validName(name);
    // A soft cap: two creates racing at the limit may both pass; lists are cheap.
    if ((await this.model.countDocuments({ customerId })) >= MAX_WISHLISTS) {
      throw new DomainError('failed_precondition', 'WISHLIST_LIMIT', `a customer can keep at most ${MAX_WISHLISTS} wishlists`);
    }
    const doc = await this.model.create({ _id: new Types.ObjectId().toHexString(), customerId, name: valid, items: [], revision: 1 });
    return { doc: doc.toObject(), skus: new Map() };
  }

  async list(req: { pageSize: number; pageToken: string }, ctx: CallContext): Promise<{ lists: DescribedWishlist[]; nextPageToken: string }> {
    const customerId = selfUserId(ctx);
    const size = pageSize(req.pageSize);
    const cursor = decodePageToken(req.pageToken, 'wishlists');
    const filter = cursor ? { customerId, _id: { $lt: String(cursor['id']) } } : { customerId };
    const docs = await this.model.find(filter).sort({ _id: -1 }).limit(size + 1).lean<WishlistDoc[]>();
    const page = docs.slice(0, size);
    const skus = await this.catalog.lookup([...new Set(page.flatMap((d) => d.items.map((i) => i.sku)))], ctx);
    return {
      lists: page.map((doc) => ({ doc, skus })),
      nextPageToken: docs.length > size ? encodePageToken({ id: page[page.length - 1]!._id }, 'wishlists') : '',
    };
  }

  async get(id: string, ctx: CallContext): Promise<DescribedWishlist> {
    return this.describe(await this.own(id, ctx), ctx);
  }

  async rename(id: string, name: string, etag: string, ctx: CallContext): Promise<DescribedWishlist> {
    const customerId = selfUserId(ctx);
    const valid = validName(name);
    const doc = await writeAtRevision({
      id,
      expectedRevision: expectedRevision(etag),
      errors: ERRORS,
      load: () => this.model.findOne({ _id: id, customerId }).lean<WishlistDoc>(),
      attempt: async (current) =>
        (await this.model.findOneAndUpdate({ _id: id, customerId, revision: current.revision }, { $set: { name: valid }, $inc: { revision: 1 } }, { returnDocument: 'after' }).lean<WishlistDoc>()) ?? LOST_RACE,
    });
    return this.describe(doc, ctx);
  }

  async delete(id: string, ctx: CallContext): Promise<void> {
    const result = await this.model.deleteOne({ _id: id, customerId: selfUserId(ctx) });
    if (result.deletedCount !== 1) throw ERRORS.notFound(id);
  }

  async addItem(id: string, rawSku: string, ctx: CallContext): Promise<DescribedWishlist> {
    const customerId = selfUserId(ctx);
    const sku = validSku(rawSku);
    const info = await this.catalog.lookup([sku], ctx);
    if (!info.get(sku)?.purchasable) throw new DomainError('not_found', 'SKU_NOT_FOUND', `no product for sale has SKU ${sku}`, { sku }, [{ field: 'sku', description: 'no product for sale has this SKU' }]);
    // One atomic update: only if the SKU is not there yet and the list has room.
    const updated = await this.model.findOneAndUpdate(
      { _id: id, customerId, 'items.sku': { $ne: sku }, [`items.${MAX_WISHLIST_ITEMS - 1}`]: { $exists: false } },
      { $push: { items: { sku, addedAt: new Date() } }, $inc: { revision: 1 } },
      { returnDocument: 'after' },
    ).lean<WishlistDoc>();
    if (updated) return this.describe(updated, ctx);
    const current = await this.own(id, ctx);
    if (current.items.some((i) => i.sku === sku)) return this.describe(current, ctx);
    throw new DomainError('failed_precondition', 'WISHLIST_FULL', `a wishlist holds at most ${MAX_WISHLIST_ITEMS} items`, { wishlist_id: id });
  }

  async removeItem(id: string, sku: string, ctx: CallContext): Promise<DescribedWishlist> {
    const customerId = selfUserId(ctx);
    const updated = await this.model.findOneAndUpdate(
      { _id: id, customerId, 'items.sku': sku },
      { $pull: { items: { sku } }, $inc: { revision: 1 } },
      { returnDocument: 'after' },
    ).lean<WishlistDoc>();
    return this.describe(updated ?? (await this.own(id, ctx)), ctx);
  }

  /**
   * Adds the item to the caller's cart, then takes it off the list. The cart add
   * carries an idempotency key made from the list and SKU, so a retry after a
   * failure between the two steps does not add it twice.
   */
  async moveToCart(id: string, sku: string, cartId: string, quantity: number, ctx: CallContext): Promise<CartAnswer> {
    const list = await this.own(id, ctx);
    if (!list.items.some((i) => i.sku === sku)) throw new DomainError('not_found', 'WISHLIST_ITEM_NOT_FOUND', `wishlist ${id} has no ${sku}`, { wishlist_id: id, sku });
    const answer = await this.carts.addLine(cartId, { sku, quantity: quantity || 1, idempotencyKey: `wishlist:${id}:${sku}:${list.revision}` }, ctx);
    await this.model.updateOne({ _id: id, customerId: list.customerId, 'items.sku': sku }, { $pull: { items: { sku } }, $inc: { revision: 1 } });
    return answer;
  }

  /** Subscribes the caller to an item's return to stock (at inventory, with their own token). */
  async notifyWhenAvailable(id: string, sku: string, ctx: CallContext): Promise<DescribedWishlist> {
    const list = await this.own(id, ctx);
    if (!list.items.some((i) => i.sku === sku)) throw new DomainError('not_found', 'WISHLIST_ITEM_NOT_FOUND', `wishlist ${id} has no ${sku}`, { wishlist_id: id, sku });
    if (!this.customers) throw new DomainError('unavailable', 'INVENTORY_UNAVAILABLE', 'back-in-stock notices are not available');
    await this.customers.notifyWhenAvailable(sku, ctx);
    return this.describe(list, ctx);
  }

  /** Shares the list; sharing a shared list keeps its token. */
  async share(id: string, ctx: CallContext): Promise<DescribedWishlist> {
    const customerId = selfUserId(ctx);
    const token = randomBytes(24).toString('base64url');
    const updated = await this.model.findOneAndUpdate(
      { _id: id, customerId, shareToken: { $exists: false } },
      { $set: { shareToken: token }, $inc: { revision: 1 } },
      { returnDocument: 'after' },
    ).lean<WishlistDoc>();
    return this.describe(updated ?? (await this.own(id, ctx)), ctx);
  }

  async unshare(id: string, ctx: CallContext): Promise<DescribedWishlist> {
    const customerId = selfUserId(ctx);
    const updated = await this.model.findOneAndUpdate(
      { _id: id, customerId, shareToken: { $exists: true } },
      { $unset: { shareToken: 1 }, $inc: { revision: 1 } },
      { returnDocument: 'after' },
    ).lean<WishlistDoc>();
    return this.describe(updated ?? (await this.own(id, ctx)), ctx);
  }

  async shared(token: string, ctx: CallContext): Promise<DescribedWishlist> {
    const doc = token.length >= 20 ? await this.model.findOne({ shareToken: token }).lean<WishlistDoc>() : null;
    if (!doc) throw new DomainError('not_found', 'SHARED_WISHLIST_NOT_FOUND', 'this wishlist link is not valid (any more)');
    return this.describe(doc, ctx);
  }

  private async own(id: string, ctx: CallContext): Promise<WishlistDoc> {
    const doc = id ? await this.model.findOne({ _id: id, customerId: selfUserId(ctx) }).lean<WishlistDoc>() : null;
    if (!doc) throw ERRORS.notFound(id);
    return doc;
  }

  private async describe(doc: WishlistDoc, ctx: CallContext): Promise<DescribedWishlist> {
    return { doc, skus: await this.catalog.lookup(doc.items.map((i) => i.sku), ctx) };
  }
}
