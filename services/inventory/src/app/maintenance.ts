import { errorMeta, type Logger } from '../../../platform/src/events/index.js';
import type { AvailabilityProjector } from './projector.js';
import type { PurchaseOrders } from './purchase-orders.js';
import type { Reservations } from './reservations.js';
import type { StockStore } from './stock-store.js';
import type { Transfers } from './transfers.js';

export interface MaintenanceParts {
  reservations: Reservations;
  transfers: Transfers;
  purchaseOrders: PurchaseOrders;
  store: StockStore;
  projector: AvailabilityProjector;
  logger: Logger;
  intervalMs: number;
  leaseMs: number;
}

/** A running background loop; `kick` runs a pass soon (after a write), `stop` waits for the pass in flight. */
export interface Maintenance {
  kick(): void;
  stop(): Promise<void>;
}

/**
 * The inventory's background work, one pass at a time: repair what crashed workers
 * left (reservations, transfers, receipts), release expired reservations, copy
 * pending ledger entries, then project availability, low-stock and back-in-stock
 * events. The first pass runs at start, so a restart repairs at once. Several
 * replicas may run it: every step claims or conditions its writes.
 */
export function startMaintenance(p: MaintenanceParts): Maintenance {
  let stopped = false;
  let kicked = false;
  let wake: (() => void) | null = null;
  const pass = async () => {
    await p.reservations.repairStale();
    await p.transfers.repairStale();
    await p.purchaseOrders.repairReceipts(p.leaseMs);
    await p.reservations.sweepExpired();
    await p.store.flushAllLedgers();
    await p.projector.pass();
  };
  const loop = (async () => {
    while (!stopped) {
      kicked = false;
      try {
        await pass();
      } catch (err) {
        p.logger.error('inventory maintenance pass failed, will retry', errorMeta(err));
      }
      if (kicked || stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, p.intervalMs);
        timer.unref();
        wake = done;
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
      });
    }
  })();
  return {
    kick() {
      kicked = true;
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
