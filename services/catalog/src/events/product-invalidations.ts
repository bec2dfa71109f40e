import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../../../../gen/shop/catalog/v1/events.js';
import { errorMeta } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import { SUBJECTS } from '../app/products.js';
import type { LocalProductCache } from '../infra/local-product-cache.js';

/**
 * Keeps this replica's in-process product cache in step with writes made by any replica:
 * a plain NATS subscription (no consumer state: every replica gets every event, and
 * a replica that starts has an empty cache, so it needs no history) to the catalog's own
 * product events. Core NATS delivers at most once, so whenever delivery may have been
 * interrupted (disconnect, slow consumer) the cache is dropped and refilled only once
 * the subscription is live again. Belongs in platform as a generic "follow my own
 * events" helper if another service needs one.
 */
export async function followProductInvalidations(nc: NatsConnection, cache: LocalProductCache, logger: Logger): Promise<{ stop(): void }> {
  // Created and updated events carry the whole product (default locale): it replaces what we hold.
  const onCreated = (data: Uint8Array) => {
    const product = ProductCreated.decode(data).product;
    if (product?.id) cache.put(product);
  };
  const onUpdated = (data: Uint8Array) => {
    const product = ProductUpdated.decode(data).product;
    if (product?.id) cache.put(product);
  };
  const onDeleted = (data: Uint8Array) => {
    const id = ProductDeleted.decode(data).productId;
    if (id) cache.invalidate(id, 'deleted');
  };
  const subscribe = (subject: string, apply: (data: Uint8Array) => void): Subscription =>
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return cache.close();
        try {
          apply(msg.data);
        } catch (e) {
          // An event we cannot read may be an invalidation we miss: start over.
          logger.warn('unreadable product event: dropping the local product cache', errorMeta(e));
          cache.close();
          cache.open();
        }
      },
    });
  const subs = [subscribe(SUBJECTS.created, onCreated), subscribe(SUBJECTS.updated, onUpdated), subscribe(SUBJECTS.deleted, onDeleted)];
  await nc.flush();
  cache.open();
  let stopped = false;
  void (async () => {
    for await (const status of nc.status()) {
      if (stopped) return;
      if (status.type === 'disconnect' || status.type === 'slowConsumer' || status.type === 'close' || status.type === 'staleConnection') {
        cache.close();
        if (status.type === 'slowConsumer') await reopen();
      } else if (status.type === 'reconnect') {
        await reopen();
      }
    }
  })();
  async function reopen() {
    // The server has our subscriptions once a round trip has passed.
    await nc.flush().then(() => cache.open(), () => undefined);
  }
  return {
    stop() {
      stopped = true;
      cache.close();
      for (const s of subs) s.unsubscribe();
    },
  };
}
