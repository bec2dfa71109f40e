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

  /**
   * Removes the caller's subscription. A back_in_stock event still in its outbox goes
   * with it: the customer asked not to be told.
   */
  async unsubscribe(userId: string, sku: string): Promise<void> {
    const v = new Violations();
    checkSku(v, 'sku', sku);
    v.throwIfAny();
    const res = await this.m.subscriptions.deleteOne({ _id: `${userId}:${sku}` });
    if (res.deletedCount !== 1) throw new DomainError('not_found', 'SUBSCRIPTION_NOT_FOUND', `no back-in-stock subscription for ${sku}`, { sku });
  }
}
