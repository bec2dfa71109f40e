import {
  AdjustmentReason, BackorderMode, LedgerEntryType, PurchaseOrderState, ReleaseReason, ReservationState, TransferState,
  type LedgerEntry, type PurchaseOrder, type Reservation, type StockLevel, type Supplier, type Transfer, type Warehouse,
} from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { etagOf } from '../../../platform/src/etag.js';
import type { LedgerEntryDoc, PurchaseOrderDoc, ReservationDoc, StockLevelDoc, SupplierDoc, TransferDoc, WarehouseDoc } from '../infra/models.js';

/** Stored names <-> proto enums, one table each way. */
export const BACKORDER_MODES: Record<string, BackorderMode> = { not_allowed: BackorderMode.BACKORDER_MODE_NOT_ALLOWED, allowed: BackorderMode.BACKORDER_MODE_ALLOWED, preorder: BackorderMode.BACKORDER_MODE_PREORDER };
export const ADJUSTMENT_REASONS: Record<string, AdjustmentReason> = {
  receive: AdjustmentReason.ADJUSTMENT_REASON_RECEIVE,
  count_correction: AdjustmentReason.ADJUSTMENT_REASON_COUNT_CORRECTION,
  damage: AdjustmentReason.ADJUSTMENT_REASON_DAMAGE,
  return_to_stock: AdjustmentReason.ADJUSTMENT_REASON_RETURN_TO_STOCK,
};
const LEDGER_TYPES: Record<string, LedgerEntryType> = {
  adjustment: LedgerEntryType.LEDGER_ENTRY_TYPE_ADJUSTMENT,
  transfer_out: LedgerEntryType.LEDGER_ENTRY_TYPE_TRANSFER_OUT,
  transfer_in: LedgerEntryType.LEDGER_ENTRY_TYPE_TRANSFER_IN,
  sale: LedgerEntryType.LEDGER_ENTRY_TYPE_SALE,
  purchase_receipt: LedgerEntryType.LEDGER_ENTRY_TYPE_PURCHASE_RECEIPT,
};
export const PO_STATES: Record<PurchaseOrderDoc['state'], PurchaseOrderState> = {
  draft: PurchaseOrderState.PURCHASE_ORDER_STATE_DRAFT,
  sent: PurchaseOrderState.PURCHASE_ORDER_STATE_SENT,
  partially_received: PurchaseOrderState.PURCHASE_ORDER_STATE_PARTIALLY_RECEIVED,
  received: PurchaseOrderState.PURCHASE_ORDER_STATE_RECEIVED,
  cancelled: PurchaseOrderState.PURCHASE_ORDER_STATE_CANCELLED,
};

/** The stored name of an enum value, from a table above. */
export function storedName<E extends number>(table: Record<string, E>, value: E): string | undefined {
  return Object.entries(table).find(([, v]) => v === value)?.[0];
}

export function toWarehouse(d: WarehouseDoc): Warehouse {
  return { id: d._id, code: d.code, name: d.name, address: { ...d.address }, priority: d.priority, active: d.active, etag: etagOf(d.revision), createTime: d.createdAt, updateTime: d.updatedAt };
}

export function toStockLevel(d: StockLevelDoc): StockLevel {
  return {
    sku: d.sku,
    warehouseId: d.warehouseId,
    onHand: d.onHand,
    reserved: d.reserved,
    available: d.available,
    reorderPoint: d.reorderPoint,
    reorderQuantity: d.reorderQty,
    backorder: { mode: BACKORDER_MODES[d.backorderMode] ?? BackorderMode.BACKORDER_MODE_NOT_ALLOWED, limit: d.backorderLimit, expectedDate: d.expectedDate ?? undefined },
    low: d.low,
    etag: etagOf(d.revision),
    updateTime: d.updatedAt,
  };
}

export function toLedgerEntry(d: LedgerEntryDoc): LedgerEntry {
  return {
    id: d._id,
    sku: d.sku,
    warehouseId: d.warehouseId,
    quantityDelta: d.delta,
    type: LEDGER_TYPES[d.type] ?? LedgerEntryType.LEDGER_ENTRY_TYPE_UNSPECIFIED,
    reason: ADJUSTMENT_REASONS[d.reason] ?? AdjustmentReason.ADJUSTMENT_REASON_UNSPECIFIED,
    note: d.note,
    actor: d.actor,
    referenceId: d.referenceId,
    createTime: d.createdAt,
  };
}

export function toReservation(d: ReservationDoc): Reservation {
  const state =
    d.state === 'committed' ? ReservationState.RESERVATION_STATE_COMMITTED
    : d.state === 'released' || d.state === 'releasing' ? ReservationState.RESERVATION_STATE_RELEASED
    : d.state === 'active' || d.state === 'committing' ? ReservationState.RESERVATION_STATE_ACTIVE
    : ReservationState.RESERVATION_STATE_UNSPECIFIED;
  return {
    reservationId: d._id,
    lines: d.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    allocations: mergedAllocations(d),
    state,
    releaseReason: d.releaseReason === 'expired' ? ReleaseReason.RELEASE_REASON_EXPIRED : d.releaseReason === 'requested' ? ReleaseReason.RELEASE_REASON_REQUESTED : ReleaseReason.RELEASE_REASON_UNSPECIFIED,
    expireTime: d.expiresAt ?? undefined,
    createTime: d.createdAt,
  };
}

export function toTransfer(d: TransferDoc): Transfer {
  return {
    id: d._id,
    fromWarehouseId: d.fromWarehouseId,
    toWarehouseId: d.toWarehouseId,
    lines: d.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    state: d.state === 'received' ? TransferState.TRANSFER_STATE_RECEIVED : d.state === 'failed' ? TransferState.TRANSFER_STATE_UNSPECIFIED : TransferState.TRANSFER_STATE_IN_TRANSIT,
    note: d.note,
    createTime: d.createdAt,
    receiveTime: d.receivedAt ?? undefined,
  };
}

export function toSupplier(d: SupplierDoc): Supplier {
  return {
    id: d._id,
    name: d.name,
    contactName: d.contactName,
    contactEmail: d.contactEmail,
    contactPhone: d.contactPhone,
    leadTimeDays: d.leadTimeDays,
    currencyCode: d.currencyCode,
    items: d.items.map((i) => ({ sku: i.sku, unitCost: { currencyCode: d.currencyCode, amountMinor: i.unitCostMinor }, packSize: i.packSize, preferred: i.preferred })),
    etag: etagOf(d.revision),
    createTime: d.createdAt,
    updateTime: d.updatedAt,
  };
}

export function toPurchaseOrder(d: PurchaseOrderDoc): PurchaseOrder {
  return {
    id: d._id,
    supplierId: d.supplierId,
    warehouseId: d.warehouseId,
    lines: d.lines.map((l) => ({ sku: l.sku, quantityOrdered: l.ordered, quantityReceived: l.received, unitCost: { currencyCode: d.currencyCode, amountMinor: l.unitCostMinor } })),
    state: PO_STATES[d.state],
    note: d.note,
    restock: d.restock,
    etag: etagOf(d.revision),
    expectedTime: d.expectedAt ?? undefined,
    createTime: d.createdAt,
    updateTime: d.updatedAt,
  };
}

/** A line re-planned after a lost race may hold twice in one warehouse; clients see one allocation per SKU and warehouse. */
function mergedAllocations(d: ReservationDoc): Reservation['allocations'] {
  const merged = new Map<string, Reservation['allocations'][number]>();
  for (const a of d.allocations) {
    const key = `${a.sku}@${a.warehouseId}`;
    const seen = merged.get(key);
    if (seen) seen.quantity += a.qty;
    else merged.set(key, { sku: a.sku, warehouseId: a.warehouseId, quantity: a.qty });
  }
  return [...merged.values()];
}
