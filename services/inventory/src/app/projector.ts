import { AvailabilityChanged, BackInStock, StockLow } from '../../../../gen/shop/inventory/v1/events.js';
import { outboxEntry } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { skuTotals } from '../domain/allocation.js';
import type { InventoryModels, SkuAvailabilityDoc, StockLevelDoc } from '../infra/models.js';
import type { PurchaseOrders } from './purchase-orders.js';
import type { Warehouses } from './warehouses.js';

export const PROJECTOR_SUBJECTS = {
  availability: 'shop.inventory.availability_changed',
  stockLow: 'shop.inventory.stock_low',
  backInStock: 'shop.inventory.back_in_stock',
} as const;

/**
 * Turns stock changes into the events other services read, without transactions.
 * Every stock write sets `dirty` on its level in the same update; a pass reads the
 * dirty levels, and per SKU:
 * - recomputes the totals and, when they differ from the last published ones, writes
 *   them with an AvailabilityChanged in one conditional update of the SKU's document;
 * - flips each level's `low` flag when it crosses its reorder point, with StockLow (and
 *   a restock draft purchase order, keyed by the crossing, so a repeat makes none);
 * - when the SKU came back in stock, emits BackInStock once per waiting subscriber.
 * Then it clears `dirty` only if the level did not change since it was read. A crash at
 * any point leaves `dirty` set, and the next pass does the remaining work again,
 * idempotently. Rapid changes may coalesce into one event with the latest totals.
 */
export class AvailabilityProjector {
  constructor(
    private readonly m: InventoryModels,
    private readonly purchaseOrders: PurchaseOrders,
    private readonly warehouses: Warehouses,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  /**
   * One pass over dirty levels; returns how many SKUs it looked at. Reads in batches
   * (the levels, warehouses and last published totals of every dirty SKU, one query
   * each) and clears the flags in one bulk write, so a burst over many SKUs costs the
   * store a handful of commands per pass rather than several per SKU.
   */
  async pass(limit = 500): Promise<number> {
    const dirty = await this.m.levels.find({ dirty: true }, { sku: 1 }).limit(limit).lean<StockLevelDoc[]>();
    const skus = [...new Set(dirty.map((d) => d.sku))];
    if (skus.length > 0) {
      const [levels, active, published] = await Promise.all([
        this.m.levels.find({ sku: { $in: skus } }, { outbox: 0, ops: 0, holds: 0, ledgerPending: 0 }).lean<StockLevelDoc[]>(),
        this.warehouses.activeIds(),
        this.m.skuAvailability.find({ _id: { $in: skus } }, { outbox: 0 }).lean<SkuAvailabilityDoc[]>(),
      ]);
      const activeIds = new Set(active);
      const last = new Map(published.map((p) => [p._id, p]));
      for (const sku of skus) {
        const ofSku = levels.filter((l) => l.sku === sku);
        const totals = skuTotals(ofSku.filter((l) => activeIds.has(l.warehouseId)));
        const current = last.get(sku);
        if (!current || current.available !== totals.available || current.inStock !== totals.inStock) await this.publishTotals(sku, totals.available, totals.inStock, current ?? null);
      }
      for (const level of levels) await this.checkLow(level);
      // Only at the version read: a level changed since stays dirty for the next pass.
      const cleared = levels.filter((l) => l.dirty).map((l) => ({ updateOne: { filter: { _id: l._id, version: l.version, dirty: true }, update: { $set: { dirty: false } } } }));
      if (cleared.length > 0) await this.m.levels.bulkWrite(cleared, { ordered: false });
    }
    await this.notifyPending();
    if (skus.length > 0) this.onWrite();
    return skus.length;
  }

  /** `read` is the SKU's document as this pass read it: the first attempt is conditioned on it, later ones read again. */
  private async publishTotals(sku: string, available: number, inStock: boolean, read: SkuAvailabilityDoc | null): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = attempt === 0 ? read : await this.m.skuAvailability.findById(sku, { outbox: 0 }).lean<SkuAvailabilityDoc>();
      if (current && current.available === available && current.inStock === inStock) return;
      const now = new Date();
      const event = outboxEntry(PROJECTOR_SUBJECTS.availability, 'shop.inventory.v1.AvailabilityChanged', AvailabilityChanged.encode({ sku, available, inStock, occurredAt: now }).finish());
      const cameBack = inStock && !(current?.inStock ?? false);
      if (!current) {
        try {
          await this.m.skuAvailability.create({ _id: sku, available, inStock, revision: 1, restockSeq: cameBack ? 1 : 0, notifiedSeq: 0, notifyPending: cameBack, updatedAt: now, outbox: [event] });
          return;
        } catch (err) {
          if (isDuplicateKey(err)) continue;
          throw err;
        }
      }
      const res = await this.m.skuAvailability.updateOne(
        { _id: sku, revision: current.revision },
        { $set: { available, inStock, updatedAt: now, ...(cameBack ? { notifyPending: true } : {}) }, $inc: { revision: 1, restockSeq: cameBack ? 1 : 0 }, $push: { outbox: event } },
      );
      if (res.modifiedCount === 1) return;
    }
  }

  /** stock_low once per crossing of the reorder point; re-armed when stock rises above it. */
  private async checkLow(level: StockLevelDoc): Promise<void> {
    const isLow = level.reorderPoint > 0 && level.available <= level.reorderPoint;
    if (isLow && !level.low) {
      const crossing = level.lowCrossings + 1;
      const po = await this.purchaseOrders.restockDraft(level, crossing);
      const now = new Date();
      const event = StockLow.encode({
        sku: level.sku,
        warehouseId: level.warehouseId,
        available: level.available,
        reorderPoint: level.reorderPoint,
        reorderQuantity: level.reorderQty,
        purchaseOrderId: po ?? '',
        occurredAt: now,
      }).finish();
      await this.m.levels.updateOne(
        { _id: level._id, low: false, lowCrossings: level.lowCrossings },
        { $set: { low: true }, $inc: { lowCrossings: 1 }, $push: { outbox: outboxEntry(PROJECTOR_SUBJECTS.stockLow, 'shop.inventory.v1.StockLow', event, `stock-low:${level._id}:${crossing}`) } },
      );
    } else if (!isLow && level.low) {
      await this.m.levels.updateOne({ _id: level._id, low: true }, { $set: { low: false } });
    }
  }

  /** BackInStock for each subscriber of SKUs that came back since their last fan-out. */
  private async notifyPending(): Promise<void> {
    const pending = await this.m.skuAvailability.find({ notifyPending: true }, { outbox: 0 }).limit(100).lean<SkuAvailabilityDoc[]>();
    for (const sku of pending) {
      if (sku.inStock) {
        const waiting = await this.m.subscriptions.find({ sku: sku._id, notifiedAt: null }, { _id: 1, userId: 1 }).lean();
        for (const sub of waiting) {
          const now = new Date();
          await this.m.subscriptions.updateOne(
            { _id: sub._id, notifiedAt: null },
            { $set: { notifiedAt: now }, $push: { outbox: outboxEntry(PROJECTOR_SUBJECTS.backInStock, 'shop.inventory.v1.BackInStock', BackInStock.encode({ sku: sku._id, userId: sub.userId, available: sku.available, occurredAt: now }).finish(), `back-in-stock:${sub._id}:${sku.restockSeq}`) } },
          );
        }
      }
      // Conditional on the crossing read: if it went out and came back meanwhile, the flag stays for the next pass.
      await this.m.skuAvailability.updateOne({ _id: sku._id, restockSeq: sku.restockSeq }, { $set: { notifiedSeq: sku.restockSeq, notifyPending: false } });
    }
  }
}
