import type { BackInStockSubscription, ListBackInStockSubscriptionsRequest } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { checkSku } from '../domain/lines.js';
import type { InventoryModels, SubscriptionDoc } from '../infra/models.js';

const toMessage = (d: SubscriptionDoc): BackInStockSubscription => ({ sku: d.sku, createTime: d.createdAt, notifyTime: d.notifiedAt ?? undefined });

/** Back-in-stock subscriptions, always scoped to the signed-in customer. */
export class Subscriptions {
  constructor(private readonly m: InventoryModels) {}

  /** Idempotent: subscribing again keeps one subscription and re-arms a notified one. */
  async subscribe(userId: string, sku: string): Promise<BackInStockSubscription> {
    const v = new Violations();
    checkSku(v, 'sku', sku);
    v.throwIfAny();
    const now = new Date();
    const doc = await this.m.subscriptions
      .findOneAndUpdate({ _id: `${userId}:${sku}` }, { $setOnInsert: { userId, sku, createdAt: now, outbox: [] }, $set: { notifiedAt: null } }, { upsert: true, returnDocument: 'after', projection: { outbox: 0 } })
      .lean<SubscriptionDoc>();
    return toMessage(doc!);
  }

  async list(userId: string, req: ListBackInStockSubscriptionsRequest): Promise<{ subscriptions: BackInStockSubscription[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const cursor = decodePageToken(req.pageToken, 'subscriptions');
    const filter: Record<string, unknown> = { userId };
    if (cursor) {
      const at = new Date(Number(cursor['t']));
      filter['$or'] = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: String(cursor['id']) } }];
    }
    const docs = await this.m.subscriptions.find(filter, { outbox: 0 }).sort({ createdAt: -1, _id: -1 }).limit(size + 1).lean<SubscriptionDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return { subscriptions: page.map(toMessage), nextPageToken: docs.length > size && last ? encodePageToken({ t: last.createdAt.getTime(), id: last._id }, 'subscriptions') : '' };
  }

  /** Removes the caller's subscription; its pending event (if any) still goes out first. */
  async unsubscribe(userId: string, sku: string): Promise<void> {
    const v = new Violations();
    checkSku(v, 'sku', sku);
    v.throwIfAny();
    const doc = await this.m.subscriptions.findById(`${userId}:${sku}`, { outbox: 1 }).lean<SubscriptionDoc>();
    if (!doc) throw new DomainError('not_found', 'SUBSCRIPTION_NOT_FOUND', `no back-in-stock subscription for ${sku}`, { sku });
    // A document with an unsent event stays until the relay empties its outbox; then it is gone.
    const res = await this.m.subscriptions.deleteOne({ _id: doc._id, outbox: { $size: 0 } });
    if (res.deletedCount !== 1) await this.m.subscriptions.updateOne({ _id: doc._id }, { $set: { notifiedAt: new Date(0) } });
  }
}
