import { randomUUID } from 'node:crypto';
import type { CreateTransferRequest, ListTransfersRequest, Transfer } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { pageNewestFirst, pageSize } from '../../../platform/src/paging.js';
import { resourceErrors } from '../../../platform/src/resource-errors.js';
import { CLIENT_KEY, checkLines } from '../domain/lines.js';
import type { InventoryModels, TransferDoc } from '../infra/models.js';
import { toTransfer } from './messages.js';
import { actorOf } from './stock.js';
import type { StockStore } from './stock-store.js';
import type { Warehouses } from './warehouses.js';

const errors = resourceErrors('transfer');
const outKey = (id: string, sku: string) => `transfer:${id}:out:${sku}`;
const undoKey = (id: string, sku: string) => `transfer:${id}:undo:${sku}`;
const inKey = (id: string, sku: string) => `transfer:${id}:in:${sku}`;

/**
 * Transfers between warehouses: out (source on_hand drops, TRANSFER_OUT in its ledger),
 * in transit, then in (destination on_hand rises, TRANSFER_IN). Each line's stock step
 * is keyed by the transfer, so a retry or repair applies it at most once; a line that
 * cannot leave (not enough available) puts back the lines that already left.
 */
export class Transfers {
  constructor(
    private readonly m: InventoryModels,
    private readonly store: StockStore,
    private readonly warehouses: Warehouses,
    private readonly leaseMs: number,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  async create(req: CreateTransferRequest, origin: AuditContext): Promise<Transfer> {
    const v = new Violations();
    if (!req.fromWarehouseId) v.add('from_warehouse_id', 'is required');
    if (!req.toWarehouseId) v.add('to_warehouse_id', 'is required');
    if (req.fromWarehouseId && req.fromWarehouseId === req.toWarehouseId) v.add('to_warehouse_id', 'must differ from from_warehouse_id');
    checkLines(v, req.lines, 200);
    if (req.note.length > 500) v.add('note', 'at most 500 characters');
    if (req.requestId !== '' && !CLIENT_KEY.test(req.requestId)) v.add('request_id', 'must be 1 to 128 letters, digits, ".", "_", ":" or "-"');
    v.throwIfAny();
    await this.warehouses.requireExisting(req.fromWarehouseId, 'from_warehouse_id');
    await this.warehouses.requireExisting(req.toWarehouseId, 'to_warehouse_id');
    const now = new Date();
    const doc: TransferDoc = {
      _id: randomUUID(),
      ...(req.requestId ? { requestId: req.requestId } : {}),
      fromWarehouseId: req.fromWarehouseId,
      toWarehouseId: req.toWarehouseId,
      lines: req.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      state: 'pending_out',
      note: req.note,
      actor: actorOf(origin),
      leaseUntil: new Date(now.getTime() + this.leaseMs),
      createdAt: now,
      receivedAt: null,
      outbox: [],
    };
    try {
      await this.m.transfers.create({ ...doc, outbox: [auditOutboxEntry(origin, 'transfer.created', { type: 'transfer', id: doc._id }, { from: doc.fromWarehouseId, to: doc.toWarehouseId })] });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const first = await this.m.transfers.findOne({ requestId: req.requestId }, { outbox: 0 }).lean<TransferDoc>();
      if (!first) throw err;
      return toTransfer(first);
    }
    return this.shipOut(doc);
  }

  private async shipOut(doc: TransferDoc): Promise<Transfer> {
    const left: string[] = [];
    for (const line of doc.lines) {
      const r = await this.store.apply({ sku: line.sku, warehouseId: doc.fromWarehouseId, delta: -line.quantity, type: 'transfer_out', actor: doc.actor, referenceId: doc._id, opKey: outKey(doc._id, line.sku), guard: 'available' });
      if (r.applied) {
        left.push(line.sku);
        continue;
      }
      await this.putBack(doc, left);
      await this.m.transfers.updateOne({ _id: doc._id, state: 'pending_out' }, { $set: { state: 'failed' } });
      this.onWrite();
      const available = r.level?.available ?? 0;
      throw new DomainError('failed_precondition', 'INSUFFICIENT_STOCK', `only ${available} of ${line.sku} available in warehouse ${doc.fromWarehouseId}`, { sku: line.sku, available: String(available) });
    }
    const done = await this.m.transfers.findOneAndUpdate({ _id: doc._id, state: 'pending_out' }, { $set: { state: 'in_transit' } }, { returnDocument: 'after', projection: { outbox: 0 } }).lean<TransferDoc>();
    this.onWrite();
    return toTransfer(done ?? { ...doc, state: 'in_transit' });
  }

  /** Undoes the out step of lines that left (each only if its out step is there, at most once). */
  private async putBack(doc: TransferDoc, skus: readonly string[]): Promise<void> {
    for (const sku of skus) {
      const line = doc.lines.find((l) => l.sku === sku)!;
      await this.store.apply({ sku, warehouseId: doc.fromWarehouseId, delta: line.quantity, type: 'transfer_in', note: 'transfer undone', actor: doc.actor, referenceId: doc._id, opKey: undoKey(doc._id, sku), requireOp: outKey(doc._id, sku) });
    }
  }

  async receive(id: string): Promise<Transfer> {
    const doc = await this.m.transfers.findById(id, { outbox: 0 }).lean<TransferDoc>();
    if (!doc) throw errors.notFound(id);
    if (doc.state === 'received') return toTransfer(doc);
    if (doc.state !== 'in_transit' && doc.state !== 'pending_in') {
      throw new DomainError('failed_precondition', 'TRANSFER_NOT_IN_TRANSIT', `transfer ${id} is ${doc.state.replace('_', ' ')}`, { transfer_id: id, state: doc.state });
    }
    await this.m.transfers.updateOne({ _id: id, state: 'in_transit' }, { $set: { state: 'pending_in', leaseUntil: new Date(Date.now() + this.leaseMs) } });
    return this.bookIn(doc);
  }

  private async bookIn(doc: TransferDoc): Promise<Transfer> {
    for (const line of doc.lines) {
      await this.store.ensureLevel(line.sku, doc.toWarehouseId);
      await this.store.apply({ sku: line.sku, warehouseId: doc.toWarehouseId, delta: line.quantity, type: 'transfer_in', actor: doc.actor, referenceId: doc._id, opKey: inKey(doc._id, line.sku) });
    }
    const now = new Date();
    const done = await this.m.transfers.findOneAndUpdate({ _id: doc._id, state: 'pending_in' }, { $set: { state: 'received', receivedAt: now } }, { returnDocument: 'after', projection: { outbox: 0 } }).lean<TransferDoc>();
    this.onWrite();
    return toTransfer(done ?? (await this.m.transfers.findById(doc._id, { outbox: 0 }).lean<TransferDoc>())!);
  }

  async get(id: string): Promise<Transfer> {
    const doc = await this.m.transfers.findById(id, { outbox: 0 }).lean<TransferDoc>();
    if (!doc) throw errors.notFound(id);
    return toTransfer(doc);
  }

  async list(req: ListTransfersRequest): Promise<{ transfers: Transfer[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const page = await pageNewestFirst({ filter: { state: { $ne: 'failed' } }, pageSize: size, pageToken: req.pageToken, fingerprint: 'transfers', find: (f, limit) => this.m.transfers.find(f, { outbox: 0 }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<TransferDoc[]>() });
    return { transfers: page.items.map(toTransfer), nextPageToken: page.nextPageToken };
  }

  /** Transfers a crash left half way: those leaving are put back (failed), those arriving are booked in. */
  async repairStale(now = new Date()): Promise<void> {
    const stuck = await this.m.transfers.find({ state: { $in: ['pending_out', 'pending_in'] }, leaseUntil: { $lt: now } }, { outbox: 0 }).limit(50).lean<TransferDoc[]>();
    for (const doc of stuck) {
      const leaseUntil = new Date(now.getTime() + this.leaseMs);
      const claimed = await this.m.transfers.updateOne({ _id: doc._id, state: doc.state, leaseUntil: doc.leaseUntil }, { $set: { leaseUntil } });
      if (claimed.modifiedCount !== 1) continue;
      if (doc.state === 'pending_in') await this.bookIn(doc);
      else {
        await this.putBack(doc, doc.lines.map((l) => l.sku));
        await this.m.transfers.updateOne({ _id: doc._id, state: 'pending_out' }, { $set: { state: 'failed' } });
      }
    }
  }
}
