import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { OrderCancelled, OrderConfirmed, OrderPlaced, OrderStatusChanged } from '../../../../gen/shop/order/v1/events.js';
import type { Order } from '../../../../gen/shop/order/v1/order_service.js';
import type { Logger } from '../../../platform/src/logger.js';

type Listener = (order: Order, event: string) => void;

const DECODERS: Record<string, (data: Uint8Array) => Order | undefined> = {
  placed: (d) => OrderPlaced.decode(d).order,
  confirmed: (d) => OrderConfirmed.decode(d).order,
  cancelled: (d) => OrderCancelled.decode(d).order,
  status_changed: (d) => OrderStatusChanged.decode(d).order,
};

/**
 * Order changes for WatchOrder, from whichever order process made them: one core NATS
 * subscription to shop.order.* per process (JetStream subjects reach plain
 * subscribers too), fanned out in memory to the watchers of each order.
 */
export class OrderWatch {
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscription: Subscription | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.subscription = this.nc.subscribe('shop.order.*', {
      callback: (err, msg) => {
        if (err) return;
        const event = msg.subject.slice('shop.order.'.length);
        const decode = DECODERS[event];
        if (!decode) return;
        try {
          const order = decode(msg.data);
          if (order) for (const listener of this.listeners.get(order.id) ?? []) listener(order, event);
        } catch (cause) {
          this.logger.warn('undecodable order event', { subject: msg.subject, error: String(cause) });
        }
      },
    });
  }

  /** Calls `listener` for each change of the order until the returned function is called. */
  watch(orderId: string, listener: Listener): () => void {
    const set = this.listeners.get(orderId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(orderId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(orderId);
    };
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
