import { createHash } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import { ShipmentCreated, ShipmentDelivered, ShipmentUpdated } from '../../../../gen/shop/shipping/v1/events.js';
import { ShipmentStatus, type Shipment } from '../../../../gen/shop/shipping/v1/shipping.js';
import { validateAddress, type AddressFields } from '../../../platform/src/address.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { hasPermission, type Caller } from '../../../platform/src/auth.js';
import { fieldAad, type FieldCipher } from '../../../platform/src/crypto/field-cipher.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { outboxEntry, outboxPush, type OutboxEntry } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import type { CarrierRegistry } from '../carriers/registry.js';
import { fulfilmentOf, planShipment, sameOrderLines, validateOrderLines, type OrderLine, type ShipmentLine } from '../domain/fulfilment.js';
import { assertTransition } from '../domain/shipment-status.js';
import { applyEvents, derivedEventId, type TimelineEvent } from '../domain/timeline.js';
import type { OrderShipmentsDoc, ShipmentRecord, ShippingModels } from '../infra/models.js';
import { toFulfilmentMessage, toShipmentMessage } from './messages.js';

export const SHIPMENT_SUBJECTS = {
  created: 'shop.shipping.shipment_created',
  updated: 'shop.shipping.shipment_updated',
  delivered: 'shop.shipping.shipment_delivered',
} as const;

/** What CreateShipment asks for. */
export interface CreateShipmentInput {
  orderId: string;
  customerId: string;
  orderLines: OrderLine[];
  lines: ShipmentLine[];
  warehouseId: string;
  carrier: string;
  carrierName: string;
  trackingNumber: string;
  methodId: string;
  destination: AddressFields;
  requestId: string;
}

/** What a tracking event entry asks for (staff). */
export interface TrackingEventInput {
  id: string;
  status: ShipmentStatus;
  occurTime: Date | undefined;
  location: string;
  description: string;
}

const errors = resourceErrors('shipment');
const CREATE_ATTEMPTS = 10;
const ID = /^[\w.:-]{1,64}$/;
const target = (id: string) => ({ type: 'shipment', id });
const trackingKey = (carrier: string, number: string) => `tracking:${carrier}:${number}`;
const shipmentKey = (id: string) => `shipment:${id}`;

/** Staff and services with fulfilment.manage (or orders.read) see every shipment; customers their own. */
const seesAll = (caller: Caller | null) => hasPermission(caller, 'fulfilment.manage') || hasPermission(caller, 'orders.read');
const owns = (caller: Caller | null, doc: OrderShipmentsDoc) => caller?.kind === 'user' && caller.userId === doc.customerId;

/**
 * Shipments of orders. Each order's shipments live in one document with the order's
 * lines (infra/models.ts), so every change is one conditional write on that document
 * with its events and audit record in the same update.
 */
export class Shipments {
  constructor(
    private readonly models: ShippingModels,
    private readonly carriers: CarrierRegistry,
    private readonly cipher: FieldCipher,
    private readonly onWrite: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ------------------------------------------------------------------ create

  /**
   * Books the parcel with the carrier, then stores it on the order's document,
   * re-checking the units left on the revision the write is conditioned on: of racing
   * requests for the same units, one wins and the others fail LINE_ALREADY_SHIPPED
   * (their bookings are cancelled again, the compensation of this two-step saga).
   */
  async create(input: CreateShipmentInput, origin: AuditContext): Promise<Shipment> {
    const v = new Violations();
    if (!ID.test(input.orderId)) v.add('order_id', 'must be 1 to 64 letters, digits, _ . : or -');
    // Guest orders have no customer: only staff (and the order's own lookup) see their shipments.
    if (input.customerId !== '' && !ID.test(input.customerId)) v.add('customer_id', 'must be the order\'s customer id, or empty for a guest order');
    if (!ID.test(input.warehouseId)) v.add('warehouse_id', 'must be a warehouse id (1 to 64 letters, digits, _ . : or -)');
    if (input.methodId.length > 64) v.add('method_id', 'must be at most 64 characters');
    if (input.requestId.length > 100) v.add('request_id', 'must be at most 100 characters');
    v.throwIfAny();
    const orderLines = validateOrderLines(input.orderLines);
    const destination = validateAddress(input.destination, 'destination.');
    const carrier = this.carriers.get(input.carrier.trim() || 'manual');
    const requestHash = createHash('sha256').update(JSON.stringify({ ...input, orderLines, destination, carrier: carrier.code })).digest('hex');

    const existing = await this.models.orders.findById(input.orderId, { outbox: 0 }).lean<OrderShipmentsDoc>();
    const replay = existing && this.replayOf(existing, input.requestId, requestHash);
    if (replay) return replay;
    if (existing) this.checkSameOrder(existing, input.customerId, orderLines);
    const plan = planShipment(orderLines, existing?.shipments ?? [], input.lines);

    const shipmentId = new Types.ObjectId().toHexString();
    const label = await carrier.createShipment({ shipmentId, orderId: input.orderId, warehouseId: input.warehouseId, destination, lines: plan, carrierName: input.carrierName.trim().toLowerCase(), trackingNumber: input.trackingNumber });
    const compensate = async () => {
      await carrier.cancelShipment({ shipmentId, trackingNumber: label.trackingNumber }).catch(() => undefined);
      if (label.trackingNumber) await this.models.refs.deleteOne({ _id: trackingKey(carrier.code, label.trackingNumber), shipmentId }).catch(() => undefined);
    };
    try {
      if (label.trackingNumber) await this.claimTracking(carrier.code, label.trackingNumber, input.orderId, shipmentId);
      await this.models.refs.create({ _id: shipmentKey(shipmentId), orderId: input.orderId, shipmentId });
      const at = this.now();
      const addressEnc = this.cipher.encrypt(
        JSON.stringify({ fullName: destination.fullName, company: destination.company, line1: destination.line1, line2: destination.line2, phone: destination.phone }),
        fieldAad('shipments', shipmentId, 'address'),
      );
      const record: ShipmentRecord = {
        id: shipmentId,
        ...(input.requestId ? { requestId: input.requestId, requestHash } : {}),
        warehouseId: input.warehouseId,
        carrier: carrier.code,
        carrierName: carrier.code === 'manual' ? input.carrierName.trim().toLowerCase() || 'other' : carrier.code,
        trackingNumber: label.trackingNumber,
        labelUrl: label.labelUrl,
        methodId: input.methodId,
        status: ShipmentStatus.SHIPMENT_STATUS_LABEL_CREATED,
        // No carrier or staff status yet: the first scan moves the status whatever its
        // clock says (a carrier's clock may run behind ours).
        statusTime: new Date(0),
        lines: plan,
        countryCode: destination.countryCode,
        region: destination.region,
        postalCode: destination.postalCode,
        city: destination.city,
        addressEnc,
        events: [{ id: `created-${shipmentId}`, status: ShipmentStatus.SHIPMENT_STATUS_LABEL_CREATED, occurTime: at, location: input.warehouseId, description: 'label created', source: carrier.code }],
        createdAt: at,
        updatedAt: at,
      };
      const stored = await this.storeNew(input, orderLines, record, requestHash, origin);
      if (stored.id !== shipmentId) await compensate(); // an identical retry won: ours was a duplicate booking
      return stored;
    } catch (err) {
      await compensate();
      throw err;
    }
  }

  private async storeNew(input: CreateShipmentInput, orderLines: OrderLine[], record: ShipmentRecord, requestHash: string, origin: AuditContext): Promise<Shipment> {
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const current = await this.models.orders.findById(input.orderId, { outbox: 0 }).lean<OrderShipmentsDoc>();
      if (current) {
        const replay = this.replayOf(current, input.requestId, requestHash);
        if (replay) return replay;
        this.checkSameOrder(current, input.customerId, orderLines);
      }
      const plan = planShipment(orderLines, current?.shipments ?? [], input.lines);
      if (!sameLines(plan, record.lines)) {
        throw new DomainError('aborted', 'SHIPMENT_LINES_CHANGED', 'another shipment of this order was created meanwhile; retry to ship what is left', { order_id: input.orderId });
      }
      const shipments = [...(current?.shipments ?? []), record];
      const revision = (current?.revision ?? 0) + 1;
      const doc = { _id: input.orderId, customerId: input.customerId, orderLines, shipments, revision };
      const shipment = toShipmentMessage(record, doc, null);
      const fulfilment = toFulfilmentMessage(fulfilmentOf(input.orderId, orderLines, shipments));
      const outbox = [
        outboxEntry(SHIPMENT_SUBJECTS.created, 'shop.shipping.v1.ShipmentCreated', ShipmentCreated.encode({ shipment, fulfilment, occurTime: record.createdAt }).finish()),
        auditOutboxEntry(origin, 'shipment.created', target(record.id), { order_id: input.orderId, warehouse_id: record.warehouseId, carrier: record.carrier, units: String(record.lines.reduce((n, l) => n + l.quantity, 0)) }),
      ];
      if (!current) {
        try {
          await this.models.orders.create({ ...doc, outbox });
        } catch (err) {
          if (isDuplicateKey(err)) continue; // the order's first shipment raced ours: re-read and re-check
          throw err;
        }
      } else {
        const result = await this.models.orders.updateOne({ _id: input.orderId, revision: current.revision }, { $set: { shipments, revision, updatedAt: this.now() }, $push: outboxPush(...outbox) }, { timestamps: false });
        if (result.modifiedCount !== 1) continue;
      }
      this.onWrite();
      return this.withAddress(record, doc);
    }
    throw errors.busy(record.id);
  }

  /** The stored shipment for a repeated idempotency key; a different request under the same key is refused. */
  private replayOf(doc: OrderShipmentsDoc, requestId: string, requestHash: string): Shipment | null {
    if (!requestId) return null;
    const earlier = doc.shipments.find((s) => s.requestId === requestId);
    if (!earlier) return null;
    if (earlier.requestHash !== requestHash) {
      throw new DomainError('already_exists', 'IDEMPOTENCY_KEY_REUSED', `request_id ${requestId} was used for a different shipment request`, { request_id: requestId }, [
        { field: 'request_id', description: 'was already used with different parameters' },
      ]);
    }
    return this.withAddress(earlier, doc);
  }

  private checkSameOrder(doc: OrderShipmentsDoc, customerId: string, orderLines: OrderLine[]): void {
    if (doc.customerId !== customerId) throw new DomainError('failed_precondition', 'ORDER_CUSTOMER_MISMATCH', `order ${doc._id} belongs to another customer`, { order_id: doc._id }, [{ field: 'customer_id', description: 'differs from the order\'s earlier shipments' }]);
    if (!sameOrderLines(doc.orderLines, orderLines)) {
      throw new DomainError('failed_precondition', 'ORDER_LINES_CHANGED', `order ${doc._id}'s lines differ from those its earlier shipments recorded`, { order_id: doc._id }, [
        { field: 'order_lines', description: 'must be the same lines as in the order\'s earlier shipments' },
      ]);
    }
  }

  /** One tracking number per carrier: a unique key, taken over only when its shipment never got stored. */
  private async claimTracking(carrier: string, number: string, orderId: string, shipmentId: string): Promise<void> {
    const _id = trackingKey(carrier, number);
    try {
      await this.models.refs.create({ _id, orderId, shipmentId });
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const claim = await this.models.refs.findById(_id).lean();
    const holder = claim && (await this.models.orders.exists({ _id: claim.orderId, 'shipments.id': claim.shipmentId }));
    if (claim && !holder) {
      const taken = await this.models.refs.updateOne({ _id, shipmentId: claim.shipmentId }, { $set: { orderId, shipmentId } });
      if (taken.modifiedCount === 1) return;
    }
    throw new DomainError('already_exists', 'TRACKING_NUMBER_TAKEN', `tracking number ${number} of ${carrier} is already used by another shipment`, { tracking_number: number }, [
      { field: 'tracking_number', description: 'is already used by another shipment' },
    ]);
  }

  // ------------------------------------------------------------------ read

  private async locate(id: string): Promise<{ doc: OrderShipmentsDoc; record: ShipmentRecord } | null> {
    if (!/^[0-9a-f]{24}$/.test(id)) return null;
    const ref = await this.models.refs.findById(shipmentKey(id)).lean();
    if (!ref) return null;
    const doc = await this.models.orders.findById(ref.orderId, { outbox: 0 }).lean<OrderShipmentsDoc>();
    const record = doc?.shipments.find((s) => s.id === id);
    return doc && record ? { doc, record } : null;
  }

  /** A shipment for its customer or staff; anyone else gets the same 404 as for a missing one. */
  async get(id: string, caller: Caller | null): Promise<Shipment> {
    const found = await this.locate(id);
    if (!found || !(seesAll(caller) || owns(caller, found.doc))) throw errors.notFound(id);
    return this.withAddress(found.record, found.doc);
  }

  /** An order's shipments; empty for an order without shipments or one the caller may not see. */
  async listForOrder(orderId: string, caller: Caller | null): Promise<Shipment[]> {
    if (!ID.test(orderId)) return [];
    const doc = await this.models.orders.findById(orderId, { outbox: 0 }).lean<OrderShipmentsDoc>();
    if (!doc || !(seesAll(caller) || owns(caller, doc))) return [];
    return doc.shipments.map((s) => this.withAddress(s, doc));
  }

  /**
   * Shipments for staff, filtered, in order id then creation order. Every order
   * document holds at least one shipment matching the filter ($elemMatch), so
   * page_size + 1 documents always fill a page; the token names the order and the
   * position within its matches to continue from.
   */
  async listForStaff(req: { status: ShipmentStatus; warehouseId: string; carrier: string; pageSize: number; pageToken: string }): Promise<{ shipments: Shipment[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const fingerprint = `shipments:${req.status}:${req.warehouseId}:${req.carrier}`;
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const match: Record<string, unknown> = {};
    if (req.status !== ShipmentStatus.SHIPMENT_STATUS_UNSPECIFIED) match['status'] = req.status;
    if (req.warehouseId !== '') match['warehouseId'] = req.warehouseId;
    if (req.carrier !== '') match['carrier'] = req.carrier;
    const filter: Record<string, unknown> = Object.keys(match).length > 0 ? { shipments: { $elemMatch: match } } : {};
    if (cursor) filter['_id'] = { $gte: String(cursor['o']) };
    const docs = await this.models.orders.find(filter, { outbox: 0 }).sort({ _id: 1 }).limit(size + 1).lean<OrderShipmentsDoc[]>();
    const matches = (r: ShipmentRecord) => Object.entries(match).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v);
    const shipments: Shipment[] = [];
    for (const doc of docs) {
      const mine = doc.shipments.filter(matches);
      for (let i = cursor && doc._id === String(cursor['o']) ? Number(cursor['i']) : 0; i < mine.length; i++) {
        if (shipments.length === size) return { shipments, nextPageToken: encodePageToken({ o: doc._id, i }, fingerprint) };
        shipments.push(this.withAddress(mine[i]!, doc));
      }
    }
    return { shipments, nextPageToken: '' };
  }

  private withAddress(record: ShipmentRecord, doc: Pick<OrderShipmentsDoc, '_id' | 'customerId' | 'revision'>): Shipment {
    const secret = JSON.parse(this.cipher.decrypt(record.addressEnc, fieldAad('shipments', record.id, 'address'))) as Partial<AddressFields>;
    const address: AddressFields = { fullName: '', company: '', line1: '', line2: '', phone: '', ...secret, city: record.city, region: record.region, postalCode: record.postalCode, countryCode: record.countryCode };
    return toShipmentMessage(record, doc, address);
  }

  // ------------------------------------------------------------------ tracking

  /** Staff record a tracking event (manual carrier); an illegal status change is refused. */
  async addTrackingEvent(shipmentId: string, input: TrackingEventInput, origin: AuditContext): Promise<Shipment> {
    const v = new Violations('event.');
    if (input.status === ShipmentStatus.SHIPMENT_STATUS_UNSPECIFIED || !(input.status in ShipmentStatus)) v.add('status', 'is required');
    if (input.status === ShipmentStatus.SHIPMENT_STATUS_CANCELLED) v.add('status', 'use CancelShipment to cancel');
    if (input.location.length > 200) v.add('location', 'must be at most 200 characters');
    if (input.description.length > 500) v.add('description', 'must be at most 500 characters');
    if (input.id.length > 100) v.add('id', 'must be at most 100 characters');
    const occurTime = input.occurTime ?? this.now();
    if (occurTime.getTime() > this.now().getTime() + 5 * 60_000) v.add('occur_time', 'must not be in the future');
    v.throwIfAny();
    const event: TimelineEvent = { id: '', status: input.status, occurTime, location: input.location.trim(), description: input.description.trim(), source: 'manual' };
    event.id = input.id.trim() ? `manual:${input.id.trim()}` : derivedEventId(event);
    const { doc, record } = await this.change(shipmentId, (current) => {
      const change = applyEvents({ id: current.id, status: current.status, statusTime: current.statusTime, events: current.events }, [event], true);
      if (change.applied === 0) return null;
      return { ...current, status: change.state.status, statusTime: change.state.statusTime, events: change.state.events };
    }, (before, after) => [auditOutboxEntry(origin, 'shipment.tracking_recorded', target(after.id), { from: ShipmentStatus[before.status], to: ShipmentStatus[after.status] })]);
    return this.withAddress(record, doc);
  }

  /** Cancels a shipment the carrier has not picked up yet; its units can ship again. */
  async cancel(shipmentId: string, reason: string, origin: AuditContext): Promise<Shipment> {
    if (reason.length > 500) throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', 'reason is too long', {}, [{ field: 'reason', description: 'must be at most 500 characters' }]);
    const found = await this.locate(shipmentId);
    if (!found) throw errors.notFound(shipmentId);
    assertTransition(shipmentId, found.record.status, ShipmentStatus.SHIPMENT_STATUS_CANCELLED);
    // Void the label first: a shipment we mark cancelled must not still be on its way.
    await this.carriers.get(found.record.carrier).cancelShipment({ shipmentId, trackingNumber: found.record.trackingNumber });
    const { doc, record } = await this.change(shipmentId, (current) => {
      if (current.status === ShipmentStatus.SHIPMENT_STATUS_CANCELLED) return null;
      assertTransition(shipmentId, current.status, ShipmentStatus.SHIPMENT_STATUS_CANCELLED);
      const at = this.now();
      return { ...current, status: ShipmentStatus.SHIPMENT_STATUS_CANCELLED, statusTime: at, events: [...current.events, { id: `cancelled-${shipmentId}`, status: ShipmentStatus.SHIPMENT_STATUS_CANCELLED, occurTime: at, location: '', description: reason.trim() || 'cancelled', source: 'manual' }] };
    }, (_before, after) => [auditOutboxEntry(origin, 'shipment.cancelled', target(after.id), { reason: reason.trim() })]);
    return this.withAddress(record, doc);
  }

  /**
   * Applies a carrier's authenticated updates. Unknown tracking numbers and
   * forbidden changes are counted as ignored; repeats as duplicates; nothing is
   * written when nothing changes, so a repeated delivery emits no event.
   */
  async applyCarrierUpdates(carrierCode: string, rawBody: Uint8Array, header: (name: string) => string | undefined): Promise<{ applied: number; duplicates: number; ignored: number }> {
    const carrier = this.carriers.webhookCarrier(carrierCode);
    const updates = carrier.parseWebhook(rawBody, header, this.now());
    const byNumber = new Map<string, TimelineEvent[]>();
    for (const u of updates) {
      const event: TimelineEvent = { id: '', status: u.status, occurTime: u.occurTime, location: u.location, description: u.description, source: carrier.code };
      event.id = u.eventId ? `${carrier.code}:${u.eventId}` : derivedEventId(event);
      byNumber.set(u.trackingNumber, [...(byNumber.get(u.trackingNumber) ?? []), event]);
    }
    const totals = { applied: 0, duplicates: 0, ignored: 0 };
    for (const [number, events] of byNumber) {
      const ref = await this.models.refs.findById(trackingKey(carrier.code, number)).lean();
      if (!ref) {
        totals.ignored += events.length;
        continue;
      }
      let counted = { applied: 0, duplicates: 0, ignored: 0 };
      await this.change(ref.shipmentId, (current) => {
        const change = applyEvents({ id: current.id, status: current.status, statusTime: current.statusTime, events: current.events }, events, false);
        counted = { applied: change.applied, duplicates: change.duplicates, ignored: change.ignored };
        if (change.applied === 0) return null;
        return { ...current, status: change.state.status, statusTime: change.state.statusTime, events: change.state.events };
      }, () => []).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'not_found') counted = { applied: 0, duplicates: 0, ignored: events.length };
        else throw err;
      });
      totals.applied += counted.applied;
      totals.duplicates += counted.duplicates;
      totals.ignored += counted.ignored;
    }
    return totals;
  }

  /**
   * One change to one shipment, written with the order's revision as the condition
   * (retried when another change to the order won). `next` returns null for "nothing
   * to change". A status change emits ShipmentUpdated, and ShipmentDelivered too on
   * delivery, with the order's fulfilment after the change.
   */
  private async change(
    shipmentId: string,
    next: (current: ShipmentRecord) => ShipmentRecord | null,
    audit: (before: ShipmentRecord, after: ShipmentRecord) => OutboxEntry[],
  ): Promise<{ doc: OrderShipmentsDoc; record: ShipmentRecord }> {
    return writeAtRevision({
      id: shipmentId,
      expectedRevision: null,
      errors,
      attempts: CREATE_ATTEMPTS,
      load: () => this.locate(shipmentId).then((f) => (f ? { ...f, revision: f.doc.revision } : null)),
      attempt: async ({ doc, record }) => {
        const changed = next(record);
        if (!changed) return { doc, record };
        const at = this.now();
        const after: ShipmentRecord = { ...changed, updatedAt: at };
        const shipments = doc.shipments.map((s) => (s.id === shipmentId ? after : s));
        const revision = doc.revision + 1;
        const nextDoc = { ...doc, shipments, revision };
        const outbox = [...audit(record, after)];
        if (after.status !== record.status) {
          const shipment = toShipmentMessage(after, nextDoc, null);
          const fulfilment = toFulfilmentMessage(fulfilmentOf(doc._id, doc.orderLines, shipments));
          outbox.push(outboxEntry(SHIPMENT_SUBJECTS.updated, 'shop.shipping.v1.ShipmentUpdated', ShipmentUpdated.encode({ shipment, previousStatus: record.status, fulfilment, occurTime: at }).finish()));
          if (after.status === ShipmentStatus.SHIPMENT_STATUS_DELIVERED) {
            outbox.push(outboxEntry(SHIPMENT_SUBJECTS.delivered, 'shop.shipping.v1.ShipmentDelivered', ShipmentDelivered.encode({ shipment, fulfilment, occurTime: at }).finish()));
          }
        }
        const update: Record<string, unknown> = { $set: { shipments, revision, updatedAt: at } };
        if (outbox.length > 0) update['$push'] = outboxPush(...outbox);
        const result = await this.models.orders.updateOne({ _id: doc._id, revision: doc.revision }, update, { timestamps: false });
        if (result.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return { doc: nextDoc, record: after };
      },
    });
  }
}

const sameLines = (a: readonly ShipmentLine[], b: readonly ShipmentLine[]) =>
  a.length === b.length && a.every((l, i) => l.orderLineId === b[i]!.orderLineId && l.quantity === b[i]!.quantity);
