import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { errorMeta, type Logger } from './logger.js';

export interface FollowOptions {
  /** What to do with each event's payload, by subject. */
  handlers: Record<string, (data: Uint8Array) => void>;
  logger: Logger;
  /**
   * Delivery may have missed events (a disconnect, a slow consumer, an event that
   * could not be read): whatever was learned from events can no longer be trusted.
   */
  onGap?: () => void;
  /** The subscriptions are live: after the start, and again after a gap. */
  onLive?: () => void;
}

/**
 * Follows events in this process alone: plain NATS subscriptions (JetStream subjects
 * reach them too), so every replica gets every event and nothing durable is kept. For
 * per-replica state that events keep current (read caches); a process that starts
 * has nothing to catch up on. Core NATS delivers at most once, so a possible gap is
 * reported (`onGap`) and followed by `onLive` once the server has our subscriptions
 * again.
 */
export async function followEvents(nc: NatsConnection, o: FollowOptions): Promise<{ stop(): void }> {
  const gap = () => o.onGap?.();
  const live = () => nc.flush().then(() => o.onLive?.(), () => undefined);
  const subscriptions: Subscription[] = Object.entries(o.handlers).map(([subject, apply]) =>
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return gap();
        try {
          apply(msg.data);
        } catch (e) {
          // An event we cannot read may be one we needed: start over.
          o.logger.warn('unreadable event', { subject, ...errorMeta(e) });
          gap();
          void live();
        }
      },
    }),
  );
  await live();
  let stopped = false;
  void (async () => {
    for await (const status of nc.status()) {
      if (stopped) return;
      if (status.type === 'disconnect' || status.type === 'slowConsumer' || status.type === 'close' || status.type === 'staleConnection') {
        gap();
        if (status.type === 'slowConsumer') await live();
      } else if (status.type === 'reconnect') {
        await live();
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      gap();
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}
