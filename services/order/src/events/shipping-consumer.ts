import type { Connection } from 'mongoose';
import { ShipmentCreated, ShipmentDelivered, ShipmentUpdated, type OrderFulfilment as FulfilmentMessage } from '../../../../gen/shop/shipping/v1/events.js';
import { domainStreamName, startConsumer, type NatsHandles, type RunningConsumer } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { OrderFulfilment } from '../app/fulfilment.js';

const DECODE: Record<string, (data: Uint8Array) => FulfilmentMessage | undefined> = {
  'shop.shipping.v1.ShipmentCreated': (d) => ShipmentCreated.decode(d).fulfilment,
  'shop.shipping.v1.ShipmentUpdated': (d) => ShipmentUpdated.decode(d).fulfilment,
  'shop.shipping.v1.ShipmentDelivered': (d) => ShipmentDelivered.decode(d).fulfilment,
};

/** Follows shipments into the orders they ship (one durable shared by order processes). */
export function followShipments(o: { nats: NatsHandles; db: Connection; logger: Logger; fulfilment: OrderFulfilment }): Promise<RunningConsumer> {
  return startConsumer({
    js: o.nats.js,
    jsm: o.nats.jsm,
    stream: domainStreamName('shipping'),
    durable: 'order-shipments',
    connection: o.db,
    logger: o.logger,
    handle: async (event) => {
      const f = DECODE[event.type]?.(event.data);
      if (!f?.orderId) return;
      await o.fulfilment.applyFulfilment(f.orderId, {
        shippedByLine: new Map(f.lines.map((l) => [l.orderLineId, l.shipped])),
        fullyShipped: f.fullyShipped,
        fullyDelivered: f.fullyDelivered,
      });
    },
  });
}
