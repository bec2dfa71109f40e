import type { Model } from 'mongoose';
import { errorMeta } from '../../../platform/src/events/index.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { OrderDoc } from '../infra/orders.js';
import { UNFINISHED_STEPS, type CheckoutSaga } from './checkout.js';

/**
 * Finishes checkouts whose driver went away (a crash, a deploy): an unfinished
 * checkout whose lease ran out is claimed by moving its lease (one conditional
 * update, so one process wins) and driven on from its recorded step. Runs in every
 * order process, at start and then every `intervalMs`.
 */
export function startCheckoutRecovery(o: { orders: Model<OrderDoc>; saga: CheckoutSaga; logger: Logger; leaseMs: number; intervalMs: number }): { stop(): Promise<void>; sweep(): Promise<number> } {
  let running: Promise<number> | null = null;
  const sweepOnce = async (): Promise<number> => {
    const now = new Date();
    const stale = await o.orders.find({ step: { $in: UNFINISHED_STEPS }, leaseUntil: { $lt: now } }, { _id: 1, step: 1, leaseUntil: 1 }).limit(20).lean<Array<Pick<OrderDoc, '_id' | 'step' | 'leaseUntil'>>>();
    let resumed = 0;
    for (const order of stale) {
      const claimed = await o.orders.updateOne({ _id: order._id, step: order.step, leaseUntil: order.leaseUntil }, { $set: { leaseUntil: new Date(Date.now() + o.leaseMs) } });
      if (claimed.modifiedCount !== 1) continue;
      try {
        const after = await o.saga.resume(order._id);
        resumed++;
        o.logger.warn('resumed an interrupted checkout', { orderId: order._id, from: order.step, to: after.step });
      } catch (err) {
        o.logger.warn('could not resume a checkout yet; will retry when its lease runs out', { orderId: order._id, step: order.step, ...errorMeta(err) });
      }
    }
    return resumed;
  };
  const sweep = () => {
    running ??= sweepOnce()
      .catch((err: unknown) => {
        o.logger.warn('checkout recovery sweep failed', errorMeta(err));
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), o.intervalMs);
  timer.unref();
  void sweep();
  return {
    sweep,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
