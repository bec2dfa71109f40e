import type { Connection } from 'mongoose';
import { AvailabilityChanged } from '../../../../gen/shop/inventory/v1/events.js';
import { domainStreamName, startConsumer, type NatsHandles, type RunningConsumer } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { SearchReadModel } from '../app/read-model.js';

/**
 * Follows inventory's availability changes into the index's in-stock flags. Like the
 * catalog consumer, one durable per replica (each replica holds its own index); an
 * event carries the SKU's whole status, so applying one twice is harmless.
 */
export function followAvailability(opts: { nats: NatsHandles; db: Connection; logger: Logger; readModel: SearchReadModel; durable: string }): Promise<RunningConsumer> {
  return startConsumer({
    js: opts.nats.js,
    jsm: opts.nats.jsm,
    stream: domainStreamName('inventory'),
    durable: `${opts.durable}-stock`,
    filterSubject: 'shop.inventory.availability_changed',
    connection: opts.db,
    logger: opts.logger,
    prefetch: 64,
    handle: (event) => {
      const e = AvailabilityChanged.decode(event.data);
      if (e.sku) opts.readModel.applyAvailability(e.sku, e.inStock);
    },
  });
}
