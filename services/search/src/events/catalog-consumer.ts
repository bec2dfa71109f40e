import { hostname } from 'node:os';
import type { Connection } from 'mongoose';
import type { Logger } from '../../../platform/src/logger.js';
import { domainStreamName, startConsumer, type NatsHandles, type RunningConsumer } from '../../../platform/src/events/index.js';
import type { SearchReadModel } from '../app/read-model.js';

/**
 * The durable name of this replica's consumer. Each replica keeps its own index in
 * memory, so each needs every catalog event: replicas must not share a durable (they
 * would split the events between them). SHOP_SEARCH_REPLICA_ID names the replica;
 * the host name (a container's name under compose) is the default.
 */
export function durableName(env: NodeJS.ProcessEnv): string {
  const replica = (env['SHOP_SEARCH_REPLICA_ID'] || hostname()).toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
  return `search-index-${replica}`;
}

/**
 * Follows shop.catalog.* into the read model. Applying an event is idempotent (a
 * product event carries the whole product and its revision; older revisions are
 * ignored), so the platform's processed-id record is a second line of defence.
 */
export function followCatalog(opts: {
  nats: NatsHandles;
  db: Connection;
  logger: Logger;
  readModel: SearchReadModel;
  durable: string;
}): Promise<RunningConsumer> {
  return startConsumer({
    js: opts.nats.js,
    jsm: opts.nats.jsm,
    stream: domainStreamName('catalog'),
    durable: opts.durable,
    connection: opts.db,
    logger: opts.logger,
    // Applying an event takes microseconds: a deeper buffer keeps a burst (an import) flowing.
    prefetch: 64,
    handle: (event) => opts.readModel.apply({ type: event.type, data: event.data }),
  });
}
