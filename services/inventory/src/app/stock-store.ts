import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import type { OutboxEntry } from '../../../platform/src/events/index.js';
import { levelId, type InventoryModels, type LedgerEntryDoc, type StockLevelDoc } from '../infra/models.js';

/** How many recent operation keys a level remembers (see `ops` in infra/models.ts). */
const OPS_KEPT = 1000;

/** A change of on_hand: the ledger entry that explains it travels in the same update. */
export interface OnHandChange {
  sku: string;
  warehouseId: string;
  delta: number;
  type: 'adjustment' | 'transfer_out' | 'transfer_in' | 'sale' | 'purchase_receipt';
  reason?: string;
  note?: string;
  actor: string;
  referenceId?: string;
  /**
   * Names the change so applying it twice (a retry, a crash repair) changes nothing;
   * also the ledger entry's id. Random when omitted.
   */
  opKey?: string;
  /** Refuse when it would leave less than this available (default: on_hand may not go below 0). */
  guard?: 'available' | 'on_hand';
  /** Apply only if this other operation was applied here (undoing a step). */
  requireOp?: string;
  /** Extra outbox entries (audit) for the same update. */
  outbox?: OutboxEntry[];
}

export type ApplyResult = { applied: true; level: StockLevelDoc; entryId: string; repeated: boolean } | { applied: false; level: StockLevelDoc | null };

/**
 * The one way on_hand changes. A single conditional update changes the counts, pushes
 * the ledger entry into the level's `ledgerPending`, and records the operation key;
 * the entry is then copied to the ledger collection (idempotently, by id) and pulled.
 * So at every instant ledger + pending sums to on_hand, and after a flush the ledger
 * alone does, crash or not.
 */
export class StockStore {
  constructor(private readonly m: InventoryModels) {}

  get levels(): Model<StockLevelDoc> {
    return this.m.levels;
  }

  /** Creates the level with zero stock if it is missing (racing creators are fine). */
  async ensureLevel(sku: string, warehouseId: string): Promise<void> {
    try {
      await this.m.levels.updateOne(
        { _id: levelId(sku, warehouseId) },
        { $setOnInsert: { sku, warehouseId, onHand: 0, reserved: 0, available: 0, backorderMode: 'not_allowed', backorderLimit: 0, expectedDate: null, reorderPoint: 0, reorderQty: 0, low: false, lowCrossings: 0, revision: 1, version: 0, dirty: false, holds: [], ops: [], ledgerPending: [], outbox: [], updatedAt: new Date() } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async apply(c: OnHandChange): Promise<ApplyResult> {
    const id = levelId(c.sku, c.warehouseId);
    const opKey = c.opKey ?? randomUUID();
    const now = new Date();
    const entry: LedgerEntryDoc = {
      _id: opKey,
      sku: c.sku,
      warehouseId: c.warehouseId,
      delta: c.delta,
      type: c.type,
      reason: c.reason ?? '',
      note: c.note ?? '',
      actor: c.actor,
      referenceId: c.referenceId ?? '',
      createdAt: now,
    };
    const opsFilter: Record<string, unknown> = c.requireOp ? { $all: [c.requireOp], $ne: opKey } : { $ne: opKey };
    const filter: Record<string, unknown> = { _id: id, ops: opsFilter };
    if (c.delta < 0) filter[c.guard === 'available' ? 'available' : 'onHand'] = { $gte: -c.delta };
    const level = await this.m.levels
      .findOneAndUpdate(
        filter,
        {
          $inc: { onHand: c.delta, available: c.delta, version: 1 },
          $set: { dirty: true, updatedAt: now },
          $push: { ledgerPending: entry, ops: { $each: [opKey], $slice: -OPS_KEPT }, ...(c.outbox?.length ? { outbox: { $each: c.outbox } } : {}) },
        },
        { returnDocument: 'after', projection: { outbox: 0 } },
      )
      .lean<StockLevelDoc>();
    if (level) {
      await this.flushLedger(level);
      return { applied: true, level, entryId: opKey, repeated: false };
    }
    const current = await this.m.levels.findById(id, { outbox: 0 }).lean<StockLevelDoc>();
    if (current && current.ops.includes(opKey)) return { applied: true, level: current, entryId: opKey, repeated: true };
    return { applied: false, level: current };
  }

  /** Copies a level's pending ledger entries into the ledger and pulls them; safe to repeat. */
  async flushLedger(level: Pick<StockLevelDoc, '_id' | 'ledgerPending'>): Promise<void> {
    if (level.ledgerPending.length === 0) return;
    await this.copyToLedger(level.ledgerPending);
    await this.m.levels.updateOne({ _id: level._id }, { $pull: { ledgerPending: { _id: { $in: level.ledgerPending.map((e) => e._id) } } } });
  }

  /**
   * Flushes every level with pending entries (each maintenance pass, after a crash, and
   * before ledger reads): one insert for all their entries and one bulk $pull, however
   * many levels (commits leave their sale entries for this).
   */
  async flushAllLedgers(): Promise<void> {
    const pending = await this.m.levels.find({ 'ledgerPending.0': { $exists: true } }, { ledgerPending: 1 }).limit(500).lean<StockLevelDoc[]>();
    if (pending.length === 0) return;
    await this.copyToLedger(pending.flatMap((l) => l.ledgerPending));
    await this.m.levels.bulkWrite(
      pending.map((l) => ({ updateOne: { filter: { _id: l._id }, update: { $pull: { ledgerPending: { _id: { $in: l.ledgerPending.map((e) => e._id) } } } } } })),
      { ordered: false },
    );
  }

  /** Inserts ledger entries by id; ones an earlier flush copied before it crashed are skipped. */
  private async copyToLedger(entries: LedgerEntryDoc[]): Promise<void> {
    try {
      await this.m.ledger.insertMany(entries, { ordered: false });
    } catch (err) {
      if (!isDuplicateKey(err) && !(err as { writeErrors?: unknown[] }).writeErrors) throw err;
    }
  }
}
