import type { ShippingServiceService } from '../../../../gen/shop/shipping/v1/shipping_service.js';
import type { ShippingAddress, ShippingMethod, ShippingZone } from '../../../../gen/shop/shipping/v1/shipping.js';
import { validateAddress, type AddressFields } from '../../../platform/src/address.js';
import { invalidArgument } from '../../../platform/src/errors.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { ShippingMethods } from '../app/methods.js';
import type { ShippingQuotes } from '../app/quotes.js';
import type { Shipments } from '../app/shipments.js';
import type { ShippingZones } from '../app/zones.js';
import { actualWeight, type MethodFields } from '../domain/rates.js';
import type { ZoneFields } from '../domain/zones.js';

const required = (field: string) => invalidArgument([{ field, description: 'is required' }]);

function zoneFields(z: ShippingZone | undefined): ZoneFields {
  if (!z) throw required('zone');
  return { name: z.name, countryCodes: [...z.countryCodes], regions: [...z.regions], postalCodePrefixes: [...z.postalCodePrefixes] };
}

function methodFields(m: ShippingMethod | undefined): MethodFields {
  if (!m) throw required('method');
  return {
    zoneId: m.zoneId, name: m.name, description: m.description, kind: m.kind, rateType: m.rateType,
    rates: m.rates.map((r) => ({ currencyCode: r.currencyCode, amountMinor: r.amountMinor, bands: r.bands.map((b) => ({ upTo: b.upTo, amountMinor: b.amountMinor })), freeAtSubtotalMinor: r.freeAtSubtotalMinor })),
    minBusinessDays: m.minBusinessDays, maxBusinessDays: m.maxBusinessDays, carrier: m.carrier, warehouseId: m.warehouseId,
    maxWeightGrams: m.maxWeightGrams, volumetricDivisor: m.volumetricDivisor, active: m.active,
  };
}

/** Which method fields a patch without a mask sets (proto3 defaults read as "not set"; `active` needs a mask). */
const methodFieldGiven = (m: MethodFields) => (field: string): boolean =>
  ({
    zone_id: m.zoneId !== '', name: m.name !== '', description: m.description !== '', kind: m.kind !== 0, rate_type: m.rateType !== 0, rates: m.rates.length > 0,
    min_business_days: m.minBusinessDays !== 0, max_business_days: m.maxBusinessDays !== 0, carrier: m.carrier !== '', warehouse_id: m.warehouseId !== '',
    max_weight_grams: m.maxWeightGrams !== 0, volumetric_divisor: m.volumetricDivisor !== 0, active: false,
  })[field] ?? false;

export function addressFields(a: ShippingAddress | undefined): AddressFields {
  return {
    fullName: a?.fullName ?? '', company: a?.company ?? '', line1: a?.line1 ?? '', line2: a?.line2 ?? '', city: a?.city ?? '',
    region: a?.region ?? '', postalCode: a?.postalCode ?? '', countryCode: a?.countryCode ?? '', phone: a?.phone ?? '',
  };
}

/** Proto in, use case, proto out. */
export function shippingHandlers(zones: ShippingZones, methods: ShippingMethods, quotes: ShippingQuotes, shipments: Shipments): ServiceHandlers<typeof ShippingServiceService> {
  return {
    createShippingZone: async (req, ctx) => zones.create(zoneFields(req.zone), ctx),
    getShippingZone: async (req) => zones.get(req.id),
    listShippingZones: async (req) => zones.list(req),
    updateShippingZone: async (req, ctx) => zones.update(req.zone?.id ?? '', zoneFields(req.zone), req.updateMask, req.zone?.etag ?? '', ctx),
    deleteShippingZone: async (req, ctx) => {
      await zones.delete(req.id, ctx);
      return {};
    },
    createShippingMethod: async (req, ctx) => methods.create(methodFields(req.method), ctx),
    getShippingMethod: async (req) => methods.get(req.id),
    listShippingMethods: async (req) => methods.list(req),
    updateShippingMethod: async (req, ctx) => {
      const patch = methodFields(req.method);
      return methods.update(req.method?.id ?? '', patch, methodFieldGiven(patch), req.updateMask, req.method?.etag ?? '', ctx);
    },
    deleteShippingMethod: async (req, ctx) => {
      await methods.delete(req.id, ctx);
      return {};
    },
    quoteShipping: async (req) => {
      const to = addressFields(req.destination);
      const parcel = { items: req.items.map((i) => ({ ...i })), subtotal: req.subtotal ?? { currencyCode: '', amountMinor: 0 } };
      const list = await quotes.quote({ countryCode: to.countryCode, region: to.region, postalCode: to.postalCode }, parcel, req.methodId.trim());
      return { quotes: list, actualWeightGrams: actualWeight(parcel.items) };
    },
    validateAddress: async (req) => validateAddress(addressFields(req.address), 'address.'),
    createShipment: async (req, ctx) =>
      shipments.create(
        {
          orderId: req.orderId, customerId: req.customerId,
          orderLines: req.orderLines.map((l) => ({ ...l })), lines: req.lines.map((l) => ({ ...l })),
          warehouseId: req.warehouseId, carrier: req.carrier, carrierName: req.carrierName, trackingNumber: req.trackingNumber,
          methodId: req.methodId, destination: addressFields(req.destination), requestId: req.requestId,
        },
        ctx,
      ),
    getShipment: async (req, ctx) => shipments.get(req.id, ctx.caller),
    listOrderShipments: async (req, ctx) => ({ shipments: await shipments.listForOrder(req.orderId, ctx.caller) }),
    listShipments: async (req) => shipments.listForStaff(req),
    addTrackingEvent: async (req, ctx) => {
      const e = req.event;
      if (!e) throw required('event');
      return shipments.addTrackingEvent(req.shipmentId, { id: e.id, status: e.status, occurTime: e.occurTime, location: e.location, description: e.description }, ctx);
    },
    cancelShipment: async (req, ctx) => shipments.cancel(req.id, req.reason, ctx),
    receiveCarrierWebhook: async (req, ctx) => {
      // Envoy passes the HTTP headers on as gRPC metadata; the signature covers the raw body bytes.
      const header = (name: string) => {
        const value = ctx.metadata.get(name)[0];
        return typeof value === 'string' ? value : undefined;
      };
      return shipments.applyCarrierUpdates(req.carrier, req.body?.data ?? new Uint8Array(), header);
    },
  };
}
