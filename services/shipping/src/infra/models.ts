import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { RateType, ShipmentStatus, ShippingMethodKind } from '../../../../gen/shop/shipping/v1/shipping.js';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { OrderLine, ShipmentLine } from '../domain/fulfilment.js';
import type { CurrencyRate } from '../domain/rates.js';
import type { TimelineEvent } from '../domain/timeline.js';

interface Versioned {
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

export interface ZoneDoc extends Versioned {
  _id: Types.ObjectId;
  name: string;
  /** Lower-cased name; zone names are unique case-insensitively. */
  nameKey?: string;
  countryCodes: string[];
  regions: string[];
  postalCodePrefixes: string[];
  deletedAt: Date | null;
}

export interface MethodDoc extends Versioned {
  _id: Types.ObjectId;
  zoneId: string;
  name: string;
  /** Lower-cased name, unique within the zone; `deleted:<id>` once deleted, which frees the name. */
  nameKey: string;
  description: string;
  kind: ShippingMethodKind;
  rateType: RateType;
  rates: CurrencyRate[];
  minBusinessDays: number;
  maxBusinessDays: number;
  carrier: string;
  warehouseId: string;
  maxWeightGrams: number;
  volumetricDivisor: number;
  active: boolean;
  deletedAt: Date | null;
}

/** One shipment, embedded in its order's document. */
export interface ShipmentRecord {
  id: string;
  /** The caller's idempotency key and a hash of its request, when it sent one. */
  requestId?: string;
  requestHash?: string;
  warehouseId: string;
  carrier: string;
  carrierName: string;
  trackingNumber: string;
  labelUrl: string;
  methodId: string;
  status: ShipmentStatus;
  statusTime: Date;
  lines: ShipmentLine[];
  /** Coarse destination in clear (what zones, reports and events need). */
  countryCode: string;
  region: string;
  postalCode: string;
  city: string;
  /** The rest of the address (name, company, street lines, phone), encrypted as one JSON value. */
  addressEnc: string;
  events: TimelineEvent[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An order's shipments, in one document with the order's lines: "a unit ships once"
 * is then a check and a write on one document, conditioned on its revision, which is
 * atomic without transactions. Created by the order's first shipment.
 */
export interface OrderShipmentsDoc extends Versioned {
  /** The order id. */
  _id: string;
  customerId: string;
  orderLines: OrderLine[];
  shipments: ShipmentRecord[];
}

/**
 * Lookups into order documents: `shipment:<id>` and `tracking:<carrier>:<number>`
 * name the order holding that shipment. Written before the order document, so every
 * stored shipment is findable; a ref whose shipment never got written is harmless.
 * The tracking key's uniqueness is what stops two shipments sharing a number.
 */
export interface ShipmentRefDoc {
  _id: string;
  orderId: string;
  shipmentId: string;
  createdAt: Date;
}

const base = { revision: { type: Number, required: true, default: 1 }, outbox: outboxSchema };
const options = { timestamps: true, versionKey: false, minimize: false } as const;

const rateSchema = new Schema<CurrencyRate>(
  { currencyCode: String, amountMinor: Number, bands: [{ _id: false, upTo: Number, amountMinor: Number }], freeAtSubtotalMinor: { type: Number, required: false } },
  { _id: false },
);

const zoneSchema = new Schema<ZoneDoc>(
  { name: { type: String, required: true }, nameKey: String, countryCodes: [String], regions: [String], postalCodePrefixes: [String], deletedAt: { type: Date, default: null }, ...base },
  options,
);
zoneSchema.index({ nameKey: 1 }, { unique: true, sparse: true });
zoneSchema.index({ countryCodes: 1 });

const methodSchema = new Schema<MethodDoc>(
  {
    zoneId: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    description: { type: String, default: '' },
    kind: Number,
    rateType: Number,
    rates: [rateSchema],
    minBusinessDays: Number,
    maxBusinessDays: Number,
    carrier: String,
    warehouseId: { type: String, default: '' },
    maxWeightGrams: { type: Number, default: 0 },
    volumetricDivisor: { type: Number, default: 0 },
    active: { type: Boolean, default: true },
    deletedAt: { type: Date, default: null },
    ...base,
  },
  options,
);
methodSchema.index({ zoneId: 1, nameKey: 1 }, { unique: true });
methodSchema.index({ zoneId: 1, deletedAt: 1 });

const eventSchema = new Schema<TimelineEvent>({ id: String, status: Number, occurTime: Date, location: String, description: String, source: String }, { _id: false });
const lineSchema = new Schema<ShipmentLine>({ orderLineId: String, sku: String, quantity: Number }, { _id: false });
const shipmentSchema = new Schema<ShipmentRecord>(
  {
    id: String, requestId: String, requestHash: String, warehouseId: String, carrier: String, carrierName: String, trackingNumber: String, labelUrl: String, methodId: String,
    status: Number, statusTime: Date, lines: [lineSchema], countryCode: String, region: String, postalCode: String, city: String, addressEnc: String, events: [eventSchema],
    createdAt: Date, updatedAt: Date,
  },
  { _id: false },
);
const orderShipmentsSchema = new Schema<OrderShipmentsDoc>(
  { _id: { type: String, required: true }, customerId: String, orderLines: [lineSchema], shipments: [shipmentSchema], ...base },
  options,
);

const refSchema = new Schema<ShipmentRefDoc>({ _id: { type: String, required: true }, orderId: String, shipmentId: String, createdAt: { type: Date, default: () => new Date() } }, { versionKey: false });

export interface ShippingModels {
  zones: Model<ZoneDoc>;
  methods: Model<MethodDoc>;
  orders: Model<OrderShipmentsDoc>;
  refs: Model<ShipmentRefDoc>;
}

/** The shipping service's collections. */
export function shippingModels(db: Connection): ShippingModels {
  return {
    zones: db.model<ZoneDoc>('ShippingZone', zoneSchema, 'shipping_zones'),
    methods: db.model<MethodDoc>('ShippingMethod', methodSchema, 'shipping_methods'),
    orders: db.model<OrderShipmentsDoc>('OrderShipments', orderShipmentsSchema, 'order_shipments'),
    refs: db.model<ShipmentRefDoc>('ShipmentRef', refSchema, 'shipment_refs'),
  };
}
