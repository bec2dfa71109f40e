import { randomUUID } from 'node:crypto';
import {
  AdjustmentReason, BackorderMode,
  type CreateStockAdjustmentRequest, type GetAvailabilityResponse, type ListStockLedgerRequest, type ListStockLevelsRequest, type StockAdjustment, type StockLevel,
} from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, Violations, invalidArgument } from '../../../platform/src/errors.js';
import { expectedRevision, maskedFields } from '../../../platform/src/etag.js';
import { decodePageToken, encodePageToken, pageNewestFirst, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import { skuTotals } from '../domain/allocation.js';
import { CLIENT_KEY, MAX_QUANTITY, checkSku } from '../domain/lines.js';
import { levelId, type InventoryModels, type LedgerEntryDoc, type StockLevelDoc } from '../infra/models.js';
import { ADJUSTMENT_REASONS, BACKORDER_MODES, storedName, toLedgerEntry, toStockLevel } from './messages.js';
import type { StockStore } from './stock-store.js';
import type { Warehouses } from './warehouses.js';

const MASK = ['reorder_point', 'reorder_quantity', 'backorder'] as const;
const MAX_AVAILABILITY_SKUS = 500;
const MAX_LEVEL_IDS_PER_QUERY = 2_000;
const levelErrors = resourceErrors('stock level');

/** Who a ledger entry names: the user or service account, or "system" for background work. */
export const actorOf = (origin: AuditContext) => origin.caller?.userId ?? origin.job ?? 'system';

/** Stock levels, adjustments, the ledger and availability. */
export class Stock {
  constructor(
    private readonly m: InventoryModels,
    private readonly store: StockStore,
    private readonly warehouses: Warehouses,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  async adjust(req: CreateStockAdjustmentRequest, origin: AuditContext): Promise<StockAdjustment> {
    const v = new Violations();
    checkSku(v, 'sku', req.sku);
    if (!req.warehouseId) v.add('warehouse_id', 'is required');
    if (!Number.isSafeInteger(req.quantityDelta) || req.quantityDelta === 0 || Math.abs(req.quantityDelta) > MAX_QUANTITY) v.add('quantity_delta', `must be a non-zero whole number between -${MAX_QUANTITY} and ${MAX_QUANTITY}`);
    const reason = storedName(ADJUSTMENT_REASONS, req.reason);
    if (!reason) v.add('reason', 'must be one of ADJUSTMENT_REASON_RECEIVE, ADJUSTMENT_REASON_COUNT_CORRECTION, ADJUSTMENT_REASON_DAMAGE, ADJUSTMENT_REASON_RETURN_TO_STOCK');
    if ((reason === 'receive' || reason === 'return_to_stock') && req.quantityDelta < 0) v.add('quantity_delta', `must be positive for ${AdjustmentReason[req.reason]}`);
    if (reason === 'damage' && req.quantityDelta > 0) v.add('quantity_delta', 'must be negative for ADJUSTMENT_REASON_DAMAGE');
    if (req.note.length > 500) v.add('note', 'at most 500 characters');
    if (req.requestId !== '' && !CLIENT_KEY.test(req.requestId)) v.add('request_id', 'must be 1 to 128 letters, digits, ".", "_", ":" or "-"');
    v.throwIfAny();
    await this.warehouses.requireExisting(req.warehouseId, 'warehouse_id');
    await this.store.ensureLevel(req.sku, req.warehouseId);
    const opKey = req.requestId ? `adjustment:${req.requestId}` : `adjustment:${randomUUID()}`;
    const result = await this.store.apply({
      sku: req.sku,
      warehouseId: req.warehouseId,
      delta: req.quantityDelta,
      type: 'adjustment',
      reason,
      note: req.note,
      actor: actorOf(origin),
      opKey,
      guard: 'available',
      outbox: [auditOutboxEntry(origin, 'stock.adjusted', { type: 'stock_level', id: levelId(req.sku, req.warehouseId) }, { delta: String(req.quantityDelta), reason: reason! })],
    });
    if (!result.applied) {
      const available = result.level?.available ?? 0;
      throw new DomainError('failed_precondition', 'INSUFFICIENT_STOCK', `only ${available} of ${req.sku} available in warehouse ${req.warehouseId}; cannot remove ${-req.quantityDelta}`, { sku: req.sku, available: String(available) }, [
        { field: 'quantity_delta', description: `would take more than the ${available} available (reserved units cannot be adjusted away)` },
      ]);
    }
    this.onWrite();
    return { id: result.entryId, sku: req.sku, warehouseId: req.warehouseId, quantityDelta: req.quantityDelta, reason: req.reason, note: req.note, stockLevel: toStockLevel(result.level) };
  }

  async listLevels(req: ListStockLevelsRequest): Promise<{ stockLevels: StockLevel[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const fingerprint = `levels|${req.sku}|${req.warehouseId}|${req.low}`;
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const filter: Record<string, unknown> = {};
    if (req.sku) filter['sku'] = req.sku;
    if (req.warehouseId) filter['warehouseId'] = req.warehouseId;
    if (req.low) filter['low'] = true;
    if (cursor) filter['_id'] = { $gt: String(cursor['id']) };
    const docs = await this.m.levels.find(filter, { outbox: 0, ops: 0, holds: 0, ledgerPending: 0 }).sort({ _id: 1 }).limit(size + 1).lean<StockLevelDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return { stockLevels: page.map(toStockLevel), nextPageToken: docs.length > size && last ? encodePageToken({ id: last._id }, fingerprint) : '' };
  }

  /** Reorder settings and back-order policy; creates the level (zero stock) when missing. */
  async updateLevel(input: StockLevel | undefined, mask: string[] | undefined, origin: AuditContext): Promise<StockLevel> {
    if (!input) throw invalidArgument([{ field: 'stock_level', description: 'is required' }]);
    const v = new Violations();
    checkSku(v, 'stock_level.sku', input.sku);
    v.throwIfAny();
    const given = { reorder_point: input.reorderPoint !== 0, reorder_quantity: input.reorderQuantity !== 0, backorder: input.backorder !== undefined };
    const masked = maskedFields(mask, MASK, (f) => given[f]);
    await this.warehouses.requireExisting(input.warehouseId, 'stock_level.warehouse_id');
    await this.store.ensureLevel(input.sku, input.warehouseId);
    const id = levelId(input.sku, input.warehouseId);
    return writeAtRevision({
      id,
      expectedRevision: expectedRevision(input.etag, 'stock_level.etag'),
      errors: levelErrors,
      load: () => this.m.levels.findById(id, { outbox: 0, ops: 0, ledgerPending: 0 }).lean<StockLevelDoc>(),
      attempt: async (current) => {
        const set: Record<string, unknown> = {};
        const bad = new Violations();
        if (masked.includes('reorder_point')) {
          if (!Number.isSafeInteger(input.reorderPoint) || input.reorderPoint < 0 || input.reorderPoint > MAX_QUANTITY) bad.add('stock_level.reorder_point', `must be 0 to ${MAX_QUANTITY}`);
          set['reorderPoint'] = input.reorderPoint;
        }
        if (masked.includes('reorder_quantity')) {
          if (!Number.isSafeInteger(input.reorderQuantity) || input.reorderQuantity < 0 || input.reorderQuantity > MAX_QUANTITY) bad.add('stock_level.reorder_quantity', `must be 0 to ${MAX_QUANTITY}`);
          set['reorderQty'] = input.reorderQuantity;
        }
        if (masked.includes('backorder')) {
          const b = input.backorder!;
          const mode = b ? storedName(BACKORDER_MODES, b.mode === BackorderMode.BACKORDER_MODE_UNSPECIFIED ? BackorderMode.BACKORDER_MODE_NOT_ALLOWED : b.mode) : 'not_allowed';
          if (!mode) bad.add('stock_level.backorder.mode', 'unknown mode');
          const limit = mode === 'not_allowed' ? 0 : (b?.limit ?? 0);
          if (mode !== 'not_allowed' && (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUANTITY)) bad.add('stock_level.backorder.limit', `must be 1 to ${MAX_QUANTITY} when back-orders or pre-orders are allowed`);
          if (mode === 'preorder' && !b?.expectedDate) bad.add('stock_level.backorder.expected_date', 'is required for pre-orders');
          set['backorderMode'] = mode;
          set['backorderLimit'] = limit;
          set['expectedDate'] = mode === 'preorder' ? b!.expectedDate : null;
        }
        bad.throwIfAny();
        const now = new Date();
        const after = await this.m.levels
          .findOneAndUpdate(
            { _id: id, revision: current.revision },
            { $set: { ...set, dirty: true, updatedAt: now }, $inc: { revision: 1, version: 1 }, $push: { outbox: auditOutboxEntry(origin, 'stock_level.updated', { type: 'stock_level', id }, { changed_fields: masked.join(',') }) } },
            { returnDocument: 'after', projection: { outbox: 0, ops: 0, ledgerPending: 0 } },
          )
          .lean<StockLevelDoc>();
        if (!after) return LOST_RACE;
        this.onWrite();
        return toStockLevel(after);
      },
    });
  }

  async ledger(req: ListStockLedgerRequest): Promise<{ entries: ReturnType<typeof toLedgerEntry>[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const fingerprint = `ledger|${req.sku}|${req.warehouseId}`;
    // Entries a crash left in their level's document are copied first, so the ledger reads whole.
    await this.store.flushAllLedgers();
    const filter: Record<string, unknown> = {};
    if (req.sku) filter['sku'] = req.sku;
    if (req.warehouseId) filter['warehouseId'] = req.warehouseId;
    const page = await pageNewestFirst({ filter, pageSize: size, pageToken: req.pageToken, fingerprint, find: (f, limit) => this.m.ledger.find(f).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<LedgerEntryDoc[]>() });
    return { entries: page.items.map(toLedgerEntry), nextPageToken: page.nextPageToken };
  }

  /** Per-SKU totals over active warehouses for many SKUs with one query per collection. */
  async availability(skus: string[]): Promise<GetAvailabilityResponse> {
    const v = new Violations();
    if (skus.length === 0) v.add('skus', 'needs at least one SKU');
    if (skus.length > MAX_AVAILABILITY_SKUS) v.add('skus', `at most ${MAX_AVAILABILITY_SKUS} SKUs per call`);
    skus.forEach((s, i) => checkSku(v, `skus[${i}]`, s));
    v.throwIfAny();
    const wanted = [...new Set(skus)];
    const active = await this.warehouses.activeIds();
    const activeIds = new Set(active);
    // A level's _id is sku@warehouse: asking by _id uses the primary index on any store
    // (the MongoDB-wire server scans for `sku: {$in}`); with very many warehouses, by SKU.
    const filter = wanted.length * active.length <= MAX_LEVEL_IDS_PER_QUERY
      ? { _id: { $in: wanted.flatMap((sku) => active.map((w) => levelId(sku, w))) } }
      : { sku: { $in: wanted } };
    const levels = await this.m.levels.find(filter, { sku: 1, warehouseId: 1, available: 1, backorderLimit: 1, backorderMode: 1, expectedDate: 1 }).lean<StockLevelDoc[]>();
    const bySku = new Map<string, StockLevelDoc[]>();
    for (const l of levels) if (activeIds.has(l.warehouseId)) bySku.set(l.sku, [...(bySku.get(l.sku) ?? []), l]);
    return {
      availability: skus.map((sku) => {
        const list = bySku.get(sku) ?? [];
        const totals = skuTotals(list);
        const preorders = list.filter((l) => l.backorderMode === 'preorder' && l.expectedDate && l.available + l.backorderLimit > 0).map((l) => l.expectedDate!.getTime());
        return { sku, ...totals, expectedDate: totals.backorder && preorders.length > 0 ? new Date(Math.min(...preorders)) : undefined };
      }),
    };
  }
}
