import type { ShippingMethod, ShippingZone, Shipment } from '../../../../gen/shop/shipping/v1/shipping.js';
import type { OrderFulfilment as OrderFulfilmentMessage } from '../../../../gen/shop/shipping/v1/events.js';
import type { AddressFields } from '../../../platform/src/address.js';
import { etagOf } from '../../../platform/src/etag.js';
import type { OrderFulfilment } from '../domain/fulfilment.js';
import type { MethodDoc, OrderShipmentsDoc, ShipmentRecord, ZoneDoc } from '../infra/models.js';

export const isObjectId = (id: string) => /^[0-9a-f]{24}$/.test(id);

export function toZoneMessage(doc: ZoneDoc): ShippingZone {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    countryCodes: [...doc.countryCodes],
    regions: [...doc.regions],
    postalCodePrefixes: [...doc.postalCodePrefixes],
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}

export function toMethodMessage(doc: MethodDoc): ShippingMethod {
  return {
    id: doc._id.toHexString(),
    zoneId: doc.zoneId,
    name: doc.name,
    description: doc.description,
    kind: doc.kind,
    rateType: doc.rateType,
    rates: doc.rates.map((r) => ({ currencyCode: r.currencyCode, amountMinor: r.amountMinor, bands: r.bands.map((b) => ({ upTo: b.upTo, amountMinor: b.amountMinor })), freeAtSubtotalMinor: r.freeAtSubtotalMinor ?? undefined })),
    minBusinessDays: doc.minBusinessDays,
    maxBusinessDays: doc.maxBusinessDays,
    carrier: doc.carrier,
    warehouseId: doc.warehouseId,
    maxWeightGrams: doc.maxWeightGrams,
    volumetricDivisor: doc.volumetricDivisor,
    active: doc.active,
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}

/** The shipment's revision is its order document's: any change to the order's shipments moves it. */
export function toShipmentMessage(record: ShipmentRecord, order: Pick<OrderShipmentsDoc, '_id' | 'customerId' | 'revision'>, address: AddressFields | null): Shipment {
  return {
    id: record.id,
    orderId: order._id,
    customerId: order.customerId,
    warehouseId: record.warehouseId,
    carrier: record.carrier,
    carrierName: record.carrierName,
    trackingNumber: record.trackingNumber,
    methodId: record.methodId,
    status: record.status,
    lines: record.lines.map((l) => ({ orderLineId: l.orderLineId, sku: l.sku, quantity: l.quantity })),
    // Events carry only the coarse part of the address (no name, street or phone).
    destination: {
      fullName: address?.fullName ?? '',
      company: address?.company ?? '',
      line1: address?.line1 ?? '',
      line2: address?.line2 ?? '',
      city: address ? record.city : '',
      region: record.region,
      postalCode: record.postalCode,
      countryCode: record.countryCode,
      phone: address?.phone ?? '',
    },
    events: record.events.map((e) => ({ id: e.id, status: e.status, occurTime: e.occurTime, location: e.location, description: e.description, source: e.source })),
    etag: etagOf(order.revision),
    createTime: record.createdAt,
    updateTime: record.updatedAt,
  };
}

export const toFulfilmentMessage = (f: OrderFulfilment): OrderFulfilmentMessage => ({ ...f, lines: f.lines.map((l) => ({ ...l })) });
