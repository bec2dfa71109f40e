import { Schema, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';

const options = { versionKey: false, minimize: false } as const;

export interface WarehouseDoc {
  _id: string;
  code: string;
  name: string;
  address: { line1: string; line2: string; city: string; postalCode: string; countryCode: string };
  priority: number;
  active: boolean;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

/** A reservation's claim on one stock level; the level's `reserved` is always the sum of its holds. */
export interface Hold {
  key: string;
  qty: number;
}

/** A ledger entry waiting in its level's document until it is copied to the ledger collection. */
export interface LedgerEntryDoc {
  _id: string;
  sku: string;
  warehouseId: string;
  delta: number;
  type: string;
  reason: string;
  note: string;
  actor: string;
  referenceId: string;
  createdAt: Date;
}

export interface StockLevelDoc {
  /** `<sku>@<warehouseId>`: one document per SKU and warehouse. */
  _id: string;
  sku: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
  /** onHand - reserved, kept by every $inc so reservations can guard on it in one filter. */
  available: number;
  backorderMode: string;
  backorderLimit: number;
  expectedDate: Date | null;
  reorderPoint: number;
  reorderQty: number;
  /** At or below the reorder point and alerted; cleared when it rises above again. */
  low: boolean;
  lowCrossings: number;
  /** Settings revision (etag). */
  revision: number;
  /** Bumped by every change; the projector clears `dirty` only at the version it read. */
  version: number;
  dirty: boolean;
  holds: Hold[];
  /** Keys of the latest multi-step operations applied here (capped), so a repair never applies one twice. */
  ops: string[];
  ledgerPending: LedgerEntryDoc[];
  updatedAt: Date;
  outbox: OutboxEntry[];
}

export interface ReservationStep {
  n: number;
  key: string;
  sku: string;
  warehouseId: string;
  qty: number;
}

export interface ReservationDoc {
  _id: string;
  requestHash: string;
  lines: Array<{ sku: string; quantity: number }>;
  expiresInSeconds: number;
  /** pending -> active -> committing -> committed | releasing -> released; pending -> failed | aborted. */
  state: 'pending' | 'active' | 'committing' | 'committed' | 'releasing' | 'released' | 'failed' | 'aborted';
  releaseReason: string;
  /** Every stock decrement is recorded here before it is tried (write-ahead), so a crash can be undone. */
  steps: ReservationStep[];
  /** The steps that hold stock, set when the reservation becomes active. */
  allocations: ReservationStep[];
  failure: { sku: string; requested: number; reservable: number } | null;
  expiresAt: Date | null;
  /** Whoever works on a non-final state owns it until then; a repair takes over only after. */
  leaseUntil: Date;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

export interface TransferDoc {
  _id: string;
  requestId?: string;
  fromWarehouseId: string;
  toWarehouseId: string;
  lines: Array<{ sku: string; quantity: number }>;
  state: 'pending_out' | 'in_transit' | 'pending_in' | 'received' | 'failed';
  note: string;
  actor: string;
  leaseUntil: Date;
  createdAt: Date;
  receivedAt: Date | null;
  outbox: OutboxEntry[];
}

export interface SupplierDoc {
  _id: string;
  name: string;
  nameKey: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  leadTimeDays: number;
  currencyCode: string;
  items: Array<{ sku: string; unitCostMinor: number; packSize: number; preferred: boolean }>;
  revision: number;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

export interface PurchaseOrderDoc {
  _id: string;
  supplierId: string;
  warehouseId: string;
  currencyCode: string;
  lines: Array<{ sku: string; ordered: number; received: number; unitCostMinor: number }>;
  state: 'draft' | 'sent' | 'partially_received' | 'received' | 'cancelled';
  note: string;
  restock: boolean;
  /** `<level id>#<crossing>`: one restock draft per low-stock crossing. */
  restockKey?: string;
  receipts: Array<{ id: string; lines: Array<{ sku: string; quantity: number }>; applied: boolean; at: Date; actor: string }>;
  revision: number;
  expectedAt: Date | null;
  leaseUntil: Date;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

/** The last availability published per SKU, and how many times it came back in stock. */
export interface SkuAvailabilityDoc {
  _id: string;
  available: number;
  inStock: boolean;
  revision: number;
  restockSeq: number;
  notifiedSeq: number;
  /** Came back in stock and its subscribers are not all notified yet. */
  notifyPending: boolean;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

export interface SubscriptionDoc {
  /** `<userId>:<sku>`: one per customer and SKU. */
  _id: string;
  userId: string;
  sku: string;
  createdAt: Date;
  notifiedAt: Date | null;
  outbox: OutboxEntry[];
}

const addressSchema = new Schema(
  { line1: { type: String, default: '' }, line2: { type: String, default: '' }, city: { type: String, default: '' }, postalCode: { type: String, default: '' }, countryCode: { type: String, default: '' } },
  { _id: false },
);

const warehouseSchema = new Schema<WarehouseDoc>(
  {
    _id: String,
    code: { type: String, required: true },
    name: { type: String, required: true },
    address: { type: addressSchema, default: () => ({}) },
    priority: { type: Number, default: 0 },
    active: { type: Boolean, default: true },
    revision: { type: Number, default: 1 },
    createdAt: Date,
    updatedAt: Date,
    outbox: outboxSchema,
  },
  options,
);
warehouseSchema.index({ code: 1 }, { unique: true });
warehouseSchema.index({ priority: 1, _id: 1 });

const ledgerEntrySchema = new Schema<LedgerEntryDoc>(
  {
    _id: String,
    sku: String,
    warehouseId: String,
    delta: Number,
    type: String,
    reason: { type: String, default: '' },
    note: { type: String, default: '' },
    actor: { type: String, default: '' },
    referenceId: { type: String, default: '' },
    createdAt: Date,
  },
  options,
);
ledgerEntrySchema.index({ sku: 1, warehouseId: 1, createdAt: -1, _id: -1 });
ledgerEntrySchema.index({ createdAt: -1, _id: -1 });

const stockLevelSchema = new Schema<StockLevelDoc>(
  {
    _id: String,
    sku: { type: String, required: true },
    warehouseId: { type: String, required: true },
    onHand: { type: Number, default: 0 },
    reserved: { type: Number, default: 0 },
    available: { type: Number, default: 0 },
    backorderMode: { type: String, default: 'not_allowed' },
    backorderLimit: { type: Number, default: 0 },
    expectedDate: { type: Date, default: null },
    reorderPoint: { type: Number, default: 0 },
    reorderQty: { type: Number, default: 0 },
    low: { type: Boolean, default: false },
    lowCrossings: { type: Number, default: 0 },
    revision: { type: Number, default: 1 },
    version: { type: Number, default: 0 },
    dirty: { type: Boolean, default: false },
    holds: { type: [new Schema<Hold>({ key: String, qty: Number }, { _id: false })], default: [] },
    ops: { type: [String], default: [] },
    ledgerPending: { type: [new Schema<LedgerEntryDoc>({ _id: String, sku: String, warehouseId: String, delta: Number, type: String, reason: String, note: String, actor: String, referenceId: String, createdAt: Date })], default: [] },
    updatedAt: Date,
    outbox: outboxSchema,
  },
  options,
);
stockLevelSchema.index({ sku: 1, warehouseId: 1 });
stockLevelSchema.index({ warehouseId: 1, sku: 1 });
stockLevelSchema.index({ dirty: 1 });

const stepSchema = new Schema<ReservationStep>({ n: Number, key: String, sku: String, warehouseId: String, qty: Number }, { _id: false });
const reservationSchema = new Schema<ReservationDoc>(
  {
    _id: String,
    requestHash: String,
    lines: { type: [new Schema({ sku: String, quantity: Number }, { _id: false })], default: [] },
    expiresInSeconds: Number,
    state: { type: String, required: true },
    releaseReason: { type: String, default: '' },
    steps: { type: [stepSchema], default: [] },
    allocations: { type: [stepSchema], default: [] },
    failure: { type: new Schema({ sku: String, requested: Number, reservable: Number }, { _id: false }), default: null },
    expiresAt: { type: Date, default: null },
    leaseUntil: Date,
    createdAt: Date,
    updatedAt: Date,
    outbox: outboxSchema,
  },
  options,
);
reservationSchema.index({ state: 1, expiresAt: 1 });
reservationSchema.index({ state: 1, leaseUntil: 1 });

const lineSchema = new Schema({ sku: String, quantity: Number }, { _id: false });
const transferSchema = new Schema<TransferDoc>(
  {
    _id: String,
    requestId: String,
    fromWarehouseId: String,
    toWarehouseId: String,
    lines: { type: [lineSchema], default: [] },
    state: String,
    note: { type: String, default: '' },
    actor: { type: String, default: '' },
    leaseUntil: Date,
    createdAt: Date,
    receivedAt: { type: Date, default: null },
    outbox: outboxSchema,
  },
  options,
);
transferSchema.index({ requestId: 1 }, { unique: true, sparse: true });
transferSchema.index({ createdAt: -1, _id: -1 });
transferSchema.index({ state: 1, leaseUntil: 1 });

const supplierSchema = new Schema<SupplierDoc>(
  {
    _id: String,
    name: String,
    nameKey: String,
    contactName: { type: String, default: '' },
    contactEmail: { type: String, default: '' },
    contactPhone: { type: String, default: '' },
    leadTimeDays: { type: Number, default: 0 },
    currencyCode: String,
    items: { type: [new Schema({ sku: String, unitCostMinor: Number, packSize: Number, preferred: Boolean }, { _id: false })], default: [] },
    revision: { type: Number, default: 1 },
    deletedAt: { type: Date, default: null },
    createdAt: Date,
    updatedAt: Date,
    outbox: outboxSchema,
  },
  options,
);
supplierSchema.index({ deletedAt: 1, nameKey: 1, _id: 1 });
supplierSchema.index({ 'items.sku': 1 });

const purchaseOrderSchema = new Schema<PurchaseOrderDoc>(
  {
    _id: String,
    supplierId: String,
    warehouseId: String,
    currencyCode: String,
    lines: { type: [new Schema({ sku: String, ordered: Number, received: Number, unitCostMinor: Number }, { _id: false })], default: [] },
    state: String,
    note: { type: String, default: '' },
    restock: { type: Boolean, default: false },
    restockKey: String,
    receipts: { type: [new Schema({ id: String, lines: [lineSchema], applied: Boolean, at: Date, actor: String }, { _id: false })], default: [] },
    revision: { type: Number, default: 1 },
    expectedAt: { type: Date, default: null },
    leaseUntil: Date,
    createdAt: Date,
    updatedAt: Date,
    outbox: outboxSchema,
  },
  options,
);
purchaseOrderSchema.index({ restockKey: 1 }, { unique: true, sparse: true });
purchaseOrderSchema.index({ createdAt: -1, _id: -1 });
purchaseOrderSchema.index({ 'receipts.applied': 1 });

const skuAvailabilitySchema = new Schema<SkuAvailabilityDoc>(
  {
    _id: String,
    available: Number,
    inStock: Boolean,
    revision: Number,
    restockSeq: { type: Number, default: 0 },
    notifiedSeq: { type: Number, default: 0 },
    notifyPending: { type: Boolean, default: false },
    updatedAt: Date,
    outbox: outboxSchema,
  },
  options,
);
skuAvailabilitySchema.index({ notifyPending: 1 });

const subscriptionSchema = new Schema<SubscriptionDoc>(
  { _id: String, userId: String, sku: String, createdAt: Date, notifiedAt: { type: Date, default: null }, outbox: outboxSchema },
  options,
);
subscriptionSchema.index({ sku: 1, notifiedAt: 1 });
subscriptionSchema.index({ userId: 1, createdAt: -1, _id: -1 });

export interface InventoryModels {
  warehouses: Model<WarehouseDoc>;
  levels: Model<StockLevelDoc>;
  ledger: Model<LedgerEntryDoc>;
  reservations: Model<ReservationDoc>;
  transfers: Model<TransferDoc>;
  suppliers: Model<SupplierDoc>;
  purchaseOrders: Model<PurchaseOrderDoc>;
  skuAvailability: Model<SkuAvailabilityDoc>;
  subscriptions: Model<SubscriptionDoc>;
}

/** The inventory database's collections. */
export function inventoryModels(db: Connection): InventoryModels {
  const model = <T>(name: string, schema: Schema<T>, collection: string) => (db.models[name] as Model<T> | undefined) ?? db.model<T>(name, schema, collection);
  return {
    warehouses: model('Warehouse', warehouseSchema, 'warehouses'),
    levels: model('StockLevel', stockLevelSchema, 'stock_levels'),
    ledger: model('LedgerEntry', ledgerEntrySchema, 'stock_ledger'),
    reservations: model('Reservation', reservationSchema, 'reservations'),
    transfers: model('Transfer', transferSchema, 'transfers'),
    suppliers: model('Supplier', supplierSchema, 'suppliers'),
    purchaseOrders: model('PurchaseOrder', purchaseOrderSchema, 'purchase_orders'),
    skuAvailability: model('SkuAvailability', skuAvailabilitySchema, 'sku_availability'),
    subscriptions: model('BackInStockSubscription', subscriptionSchema, 'back_in_stock_subscriptions'),
  };
}

/** The id of the level of `sku` in `warehouseId`. */
export const levelId = (sku: string, warehouseId: string) => `${sku}@${warehouseId}`;
