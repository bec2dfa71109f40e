import { randomUUID } from 'node:crypto';
import { PurchaseOrderChanged } from '../../../../gen/shop/inventory/v1/events.js';
import { PurchaseOrderState, type ListPurchaseOrdersRequest, type PurchaseOrder, type ReceivePurchaseOrderRequest } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { auditOutboxEntry, systemAuditContext, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, Violations, invalidArgument } from '../../../platform/src/errors.js';
import { expectedRevision } from '../../../platform/src/etag.js';
import { outboxEntry } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { pageNewestFirst, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import { CLIENT_KEY, checkLines, checkQuantity, checkSku } from '../domain/lines.js';
import { assertTransition, receive, restockQuantity, type PoState } from '../domain/purchase-order.js';
import type { InventoryModels, PurchaseOrderDoc, StockLevelDoc } from '../infra/models.js';
import { PO_STATES, storedName, toPurchaseOrder } from './messages.js';
import { actorOf } from './stock.js';
import type { StockStore } from './stock-store.js';
import type { Suppliers } from './suppliers.js';
import type { Warehouses } from './warehouses.js';

export const PURCHASE_ORDER_SUBJECT = 'shop.inventory.purchase_order_changed';
const errors = resourceErrors('purchase order');
const DAY_MS = 86_400_000;

const changed = (doc: PurchaseOrderDoc, at: Date) =>
  outboxEntry(PURCHASE_ORDER_SUBJECT, 'shop.inventory.v1.PurchaseOrderChanged', PurchaseOrderChanged.encode({ purchaseOrder: toPurchaseOrder(doc), occurredAt: at }).finish());

/**
 * Purchase orders: draft -> sent -> partially received -> received, or cancelled.
 * Receiving records the delivery in the order (conditional on its revision, with the
 * receipt id so a retry books nothing twice), then raises on_hand line by line through
 * the stock store with operation keys derived from the receipt; a receipt whose stock
 * steps a crash interrupted is finished by `repairReceipts`.
 */
export class PurchaseOrders {
  constructor(
    private readonly m: InventoryModels,
    private readonly store: StockStore,
    private readonly suppliers: Suppliers,
    private readonly warehouses: Warehouses,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  async create(po: PurchaseOrder | undefined, origin: AuditContext): Promise<PurchaseOrder> {
    if (!po) throw invalidArgument([{ field: 'purchase_order', description: 'is required' }]);
    const v = new Violations();
    if (!po.supplierId) v.add('purchase_order.supplier_id', 'is required');
    if (!po.warehouseId) v.add('purchase_order.warehouse_id', 'is required');
    if (po.note.length > 1000) v.add('purchase_order.note', 'at most 1000 characters');
    if (po.lines.length === 0) v.add('purchase_order.lines', 'needs at least one line');
    if (po.lines.length > 500) v.add('purchase_order.lines', 'at most 500 lines');
    const seen = new Set<string>();
    po.lines.forEach((l, i) => {
      checkSku(v, `purchase_order.lines[${i}].sku`, l.sku);
      if (seen.has(l.sku)) v.add(`purchase_order.lines[${i}].sku`, `${l.sku} appears more than once`);
      seen.add(l.sku);
      checkQuantity(v, `purchase_order.lines[${i}].quantity_ordered`, l.quantityOrdered);
      if (l.unitCost && (!Number.isSafeInteger(l.unitCost.amountMinor) || l.unitCost.amountMinor < 0)) v.add(`purchase_order.lines[${i}].unit_cost.amount_minor`, 'must be 0 or more minor units');
    });
    v.throwIfAny();
    const supplier = await this.suppliers.getDoc(po.supplierId).catch(() => {
      throw new DomainError('invalid_argument', 'SUPPLIER_NOT_FOUND', `no supplier ${po.supplierId}`, { supplier_id: po.supplierId }, [{ field: 'purchase_order.supplier_id', description: 'must name an existing supplier' }]);
    });
    await this.warehouses.requireExisting(po.warehouseId, 'purchase_order.warehouse_id');
    const bad = new Violations();
    const lines = po.lines.map((l, i) => {
      const item = supplier.items.find((x) => x.sku === l.sku);
      if (l.unitCost && l.unitCost.currencyCode !== '' && l.unitCost.currencyCode !== supplier.currencyCode) bad.add(`purchase_order.lines[${i}].unit_cost.currency_code`, `must be the supplier's currency ${supplier.currencyCode}`);
      // A line without a cost takes the supplier's price for the SKU.
      return { sku: l.sku, ordered: l.quantityOrdered, received: 0, unitCostMinor: l.unitCost ? l.unitCost.amountMinor : (item?.unitCostMinor ?? 0) };
    });
    bad.throwIfAny();
    return this.insert({ supplierId: supplier._id, warehouseId: po.warehouseId, currencyCode: supplier.currencyCode, lines, note: po.note, restock: false }, origin);
  }

  private async insert(f: Pick<PurchaseOrderDoc, 'supplierId' | 'warehouseId' | 'currencyCode' | 'lines' | 'note' | 'restock'> & { restockKey?: string }, origin: AuditContext): Promise<PurchaseOrder> {
    const now = new Date();
    const id = randomUUID();
    const doc: PurchaseOrderDoc = { _id: id, ...f, state: 'draft', receipts: [], revision: 1, expectedAt: null, leaseUntil: now, createdAt: now, updatedAt: now, outbox: [] };
    await this.m.purchaseOrders.create({ ...doc, outbox: [changed(doc, now), auditOutboxEntry(origin, 'purchase_order.created', { type: 'purchase_order', id }, { supplier_id: f.supplierId, restock: String(f.restock) })] });
    this.onWrite();
    return toPurchaseOrder(doc);
  }

  /**
   * The draft a low-stock crossing proposes: the reorder quantity in whole packs from
   * the SKU's preferred supplier. One per crossing (a unique key), so a repeated pass
   * finds the first. Null without a preferred supplier or a reorder quantity.
   */
  async restockDraft(level: StockLevelDoc, crossing: number): Promise<string | null> {
    if (level.reorderQty <= 0) return null;
    const supplier = await this.suppliers.preferredFor(level.sku);
    if (!supplier) return null;
    const item = supplier.items.find((i) => i.sku === level.sku)!;
    const restockKey = `${level._id}#${crossing}`;
    try {
      const po = await this.insert(
        { supplierId: supplier._id, warehouseId: level.warehouseId, currencyCode: supplier.currencyCode, lines: [{ sku: level.sku, ordered: restockQuantity(level.reorderQty, item.packSize), received: 0, unitCostMinor: item.unitCostMinor }], note: `restock: available ${level.available} at reorder point ${level.reorderPoint}`, restock: true, restockKey },
        systemAuditContext('restock'),
      );
      return po.id;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.m.purchaseOrders.findOne({ restockKey }, { _id: 1 }).lean();
      return existing ? String(existing._id) : null;
    }
  }

  private live(id: string): Promise<PurchaseOrderDoc | null> {
    return this.m.purchaseOrders.findById(id, { outbox: 0 }).lean<PurchaseOrderDoc>().exec();
  }

  async get(id: string): Promise<PurchaseOrder> {
    const doc = await this.live(id);
    if (!doc) throw errors.notFound(id);
    return toPurchaseOrder(doc);
  }

  async list(req: ListPurchaseOrdersRequest): Promise<{ purchaseOrders: PurchaseOrder[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const fingerprint = `po|${req.supplierId}|${req.state}`;
    const filter: Record<string, unknown> = {};
    if (req.supplierId) filter['supplierId'] = req.supplierId;
    if (req.state !== PurchaseOrderState.PURCHASE_ORDER_STATE_UNSPECIFIED) {
      const state = storedName(PO_STATES, req.state);
      if (!state) throw invalidArgument([{ field: 'state', description: 'unknown state' }]);
      filter['state'] = state;
    }
    const page = await pageNewestFirst({ filter, pageSize: size, pageToken: req.pageToken, fingerprint, find: (f, limit) => this.m.purchaseOrders.find(f, { outbox: 0 }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<PurchaseOrderDoc[]>() });
    return { purchaseOrders: page.items.map(toPurchaseOrder), nextPageToken: page.nextPageToken };
  }

  async send(id: string, etag: string, origin: AuditContext): Promise<PurchaseOrder> {
    return this.transition(id, etag, 'send', 'sent', origin);
  }

  async cancel(id: string, etag: string, origin: AuditContext): Promise<PurchaseOrder> {
    return this.transition(id, etag, 'cancel', 'cancelled', origin);
  }

  private transition(id: string, etag: string, action: 'send' | 'cancel', to: PoState, origin: AuditContext): Promise<PurchaseOrder> {
    return writeAtRevision({
      id,
      expectedRevision: expectedRevision(etag),
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        assertTransition(id, current.state, action);
        const now = new Date();
        let expectedAt = current.expectedAt;
        if (to === 'sent') {
          const supplier = await this.m.suppliers.findById(current.supplierId, { leadTimeDays: 1 }).lean();
          expectedAt = new Date(now.getTime() + (supplier?.leadTimeDays ?? 0) * DAY_MS);
        }
        const after: PurchaseOrderDoc = { ...current, state: to, expectedAt, revision: current.revision + 1, updatedAt: now };
        const res = await this.m.purchaseOrders.updateOne(
          { _id: id, revision: current.revision },
          { $set: { state: to, expectedAt, revision: after.revision, updatedAt: now }, $push: { outbox: { $each: [changed(after, now), auditOutboxEntry(origin, `purchase_order.${to}`, { type: 'purchase_order', id })] } } },
        );
        if (res.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return toPurchaseOrder(after);
      },
    });
  }

  async receive(req: ReceivePurchaseOrderRequest, origin: AuditContext): Promise<PurchaseOrder> {
    const v = new Violations();
    checkLines(v, req.lines, 500);
    if (req.receiptId !== '' && !CLIENT_KEY.test(req.receiptId)) v.add('receipt_id', 'must be 1 to 128 letters, digits, ".", "_", ":" or "-"');
    v.throwIfAny();
    const receiptId = req.receiptId || randomUUID();
    const actor = actorOf(origin);
    const recorded = await writeAtRevision({
      id: req.id,
      expectedRevision: null,
      errors,
      load: () => this.live(req.id),
      attempt: async (current) => {
        // The same delivery again: it is already booked (or being booked).
        if (current.receipts.some((r) => r.id === receiptId)) return current;
        assertTransition(req.id, current.state, 'receive');
        const next = receive(current.lines, req.lines, req.allowOverReceipt);
        const now = new Date();
        const receipt = { id: receiptId, lines: req.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), applied: false, at: now, actor };
        const after: PurchaseOrderDoc = { ...current, lines: next.lines, state: next.state, receipts: [...current.receipts, receipt], revision: current.revision + 1, updatedAt: now };
        const res = await this.m.purchaseOrders.updateOne(
          { _id: req.id, revision: current.revision },
          {
            $set: { lines: next.lines, state: next.state, revision: after.revision, updatedAt: now },
            $push: { receipts: receipt, outbox: { $each: [changed(after, now), auditOutboxEntry(origin, 'purchase_order.received', { type: 'purchase_order', id: req.id }, { receipt_id: receiptId })] } },
          },
        );
        if (res.modifiedCount !== 1) return LOST_RACE;
        return after;
      },
    });
    await this.applyReceipt(recorded, receiptId);
    this.onWrite();
    return toPurchaseOrder((await this.live(req.id)) ?? recorded);
  }

  /** Raises on_hand for each line of a recorded receipt; every step keyed, so repeats change nothing. */
  private async applyReceipt(po: PurchaseOrderDoc, receiptId: string): Promise<void> {
    const receipt = po.receipts.find((r) => r.id === receiptId);
    if (!receipt || receipt.applied) return;
    for (const line of receipt.lines) {
      await this.store.ensureLevel(line.sku, po.warehouseId);
      await this.store.apply({ sku: line.sku, warehouseId: po.warehouseId, delta: line.quantity, type: 'purchase_receipt', actor: receipt.actor, referenceId: po._id, opKey: `po:${po._id}:${receiptId}:${line.sku}` });
    }
    await this.m.purchaseOrders.updateOne({ _id: po._id, 'receipts.id': receiptId }, { $set: { 'receipts.$.applied': true } });
  }

  /** Finishes receipts whose stock steps a crash interrupted (older than `graceMs`). */
  async repairReceipts(graceMs: number): Promise<void> {
    const pending = await this.m.purchaseOrders.find({ 'receipts.applied': false }, { outbox: 0 }).limit(50).lean<PurchaseOrderDoc[]>();
    for (const po of pending) {
      for (const r of po.receipts) if (!r.applied && r.at.getTime() < Date.now() - graceMs) await this.applyReceipt(po, r.id);
    }
  }
}
