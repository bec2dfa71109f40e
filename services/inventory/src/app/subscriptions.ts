import type { BackInStockSubscription, ListBackInStockSubscriptionsRequest } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { pageNewestFirst, pageSize } from '../../../platform/src/paging.js';
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
    const page = await pageNewestFirst({ filter: { userId }, pageSize: size, pageToken: req.pageToken, fingerprint: 'subscriptions', find: (f, limit) => this.m.subscriptions.find(f, { outbox: 0 }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<SubscriptionDoc[]>() });
    return { subscriptions: page.items.map(toMessage), nextPageToken: page.nextPageToken };
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
