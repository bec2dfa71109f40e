import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';

/** Everything a service needs to talk to JetStream, created once per process. */
export interface NatsHandles {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Drains so in-flight publishes and acks are flushed before the socket closes. */
  close(): Promise<void>;
}

/**
 * Opens the single NATS connection a service shares between publishing,
 * consuming and stream management. Reconnects forever: a NATS outage must
 * stall event flow (the outbox buffers it), not kill the process.
 */
export async function connectNats(url: string, name: string): Promise<NatsHandles> {
  const nc = await connect({
    servers: url.split(',').map((s) => s.trim()).filter(Boolean),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
  });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    js,
    jsm,
    async close() {
      if (nc.isClosed()) return;
      await nc.drain();
    },
  };
}
