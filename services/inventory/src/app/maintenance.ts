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

/** The least time between a kick and the pass it asks for. */
const KICK_DELAY_MS = 50;

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
      if (stopped) continue;
      // After a kick, wait a little anyway: under a burst of writes one pass then covers many.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, kicked ? KICK_DELAY_MS : p.intervalMs);
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
      if (kicked) return;
      kicked = true;
      if (wake) setTimeout(() => wake?.(), KICK_DELAY_MS).unref();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
