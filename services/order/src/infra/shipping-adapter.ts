import type { ShippingServiceService } from '../../../../gen/shop/shipping/v1/shipping_service.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { ServiceTokenSource } from '../../../platform/src/service-token.js';
import type { ShipmentRequest, ShippingPort } from '../app/ports.js';

/** Shipments at the shipping service, as the order service's account (fulfilment.manage). */
export class ShippingAdapter implements ShippingPort {
  constructor(
    private readonly shipping: ServiceClient<typeof ShippingServiceService>,
    private readonly tokens: ServiceTokenSource,
  ) {}

  async createShipment(r: ShipmentRequest): Promise<string> {
    const shipment = await this.shipping.createShipment({
      orderId: r.orderId,
      customerId: r.customerId,
      orderLines: r.orderLines.map((l) => ({ orderLineId: l.id, sku: l.sku, quantity: l.quantity })),
      lines: r.lines.map((l) => ({ orderLineId: l.lineId, sku: l.sku, quantity: l.quantity })),
      warehouseId: r.warehouseId,
      carrier: r.carrier,
      carrierName: r.carrierName,
      trackingNumber: r.trackingNumber,
      methodId: r.methodId,
      destination: r.destination,
      requestId: r.requestId,
    }, { token: await this.tokens.token(), timeoutMs: 15_000 });
    return shipment.id;
  }
}
