import { z } from 'zod';
import { InventoryServiceService } from '../../../gen/shop/inventory/v1/inventory_service.js';
import { PUBLIC, SELF, requires } from '../../platform/src/auth.js';
import { loadConfig } from '../../platform/src/config.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { defineService } from '../../platform/src/runtime.js';
import { inventoryHandlers } from './api/handlers.js';
import { startMaintenance } from './app/maintenance.js';
import { AvailabilityProjector } from './app/projector.js';
import { PurchaseOrders } from './app/purchase-orders.js';
import { Reservations } from './app/reservations.js';
import { Stock } from './app/stock.js';
import { StockStore } from './app/stock-store.js';
import { Subscriptions } from './app/subscriptions.js';
import { Suppliers } from './app/suppliers.js';
import { Transfers } from './app/transfers.js';
import { Warehouses } from './app/warehouses.js';
import { inventoryModels, type InventoryModels } from './infra/models.js';

/** Inventory's own settings (SHOP_INVENTORY_*). */
export const inventoryConfigSchema = z.object({
  /** How often expired reservations are released and stock events projected. */
  inventorySweepIntervalMs: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** How long a worker owns an in-flight reservation, transfer or receipt before a repair may take over. */
  inventoryLeaseMs: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
});

const manage = requires('inventory.manage');
const reservations = requires('inventory.reservations.write');

/** The use cases over one database, as the service and the crash test build them. */
/**
 * `onWrite` wakes the relay and the maintenance loop after a write; `onProjected` wakes
 * only the relay, after a maintenance pass wrote events (waking the loop from its own
 * pass would keep it running back to back under load).
 */
export function inventoryUseCases(m: InventoryModels, leaseMs: number, onWrite: () => void = () => undefined, onProjected: () => void = onWrite) {
  const store = new StockStore(m);
  const warehouses = new Warehouses(m, onWrite);
  const suppliers = new Suppliers(m, onWrite);
  const purchaseOrders = new PurchaseOrders(m, store, suppliers, warehouses, onWrite);
  return {
    store,
    warehouses,
    suppliers,
    purchaseOrders,
    stock: new Stock(m, store, warehouses, onWrite),
    transfers: new Transfers(m, store, warehouses, leaseMs, onWrite),
    reservations: new Reservations(m, warehouses, { leaseMs }, onWrite),
    subscriptions: new Subscriptions(m),
    projector: new AvailabilityProjector(m, purchaseOrders, warehouses, onProjected),
  };
}

/** Inventory: warehouses, stock and its ledger, reservations, suppliers, purchase orders, restock alerts. */
export const inventoryService = defineService({
  name: 'inventory',
  definition: InventoryServiceService,
  access: {
    createWarehouse: manage,
    getWarehouse: manage,
    listWarehouses: manage,
    updateWarehouse: manage,
    listStockLevels: manage,
    updateStockLevel: manage,
    createStockAdjustment: manage,
    listStockLedger: manage,
    createTransfer: manage,
    getTransfer: manage,
    listTransfers: manage,
    receiveTransfer: manage,
    // Shoppers see whether something is in stock; totals only, never per warehouse.
    getAvailability: PUBLIC,
    // Internal (no JSON route): cart and order call these with a service account
    // (client_credentials) granted the inventory.reservations.write scope.
    reserveStock: reservations,
    getReservation: reservations,
    commitReservation: reservations,
    releaseReservation: reservations,
    extendReservation: reservations,
    createSupplier: manage,
    getSupplier: manage,
    listSuppliers: manage,
    updateSupplier: manage,
    deleteSupplier: manage,
    createPurchaseOrder: manage,
    getPurchaseOrder: manage,
    listPurchaseOrders: manage,
    sendPurchaseOrder: manage,
    receivePurchaseOrder: manage,
    cancelPurchaseOrder: manage,
    createBackInStockSubscription: SELF,
    listBackInStockSubscriptions: SELF,
    deleteBackInStockSubscription: SELF,
  },
  streams: [domainStream('inventory')],
  address: (config) => config.inventoryAddr,
  async start({ logger, db, nats, env }) {
    const own = loadConfig(inventoryConfigSchema, env);
    const m = inventoryModels(db);
    // Levels, reservations and published availability change with every checkout and are
    // polled at the relay's usual pace. The rest change rarely and every change kicks the
    // relays, so their poll is only the safety net (after a crash) and can be slow: eight
    // queries every 250 ms were a steady share of the store's load.
    const relay = startOutboxRelay({ js: nats.js, models: [m.levels, m.reservations, m.skuAvailability], logger });
    const rareRelay = startOutboxRelay({ js: nats.js, models: [m.subscriptions, m.purchaseOrders, m.suppliers, m.warehouses, m.transfers], logger, intervalMs: 2_000 });
    const kickRelays = () => {
      relay.kick();
      rareRelay.kick();
    };
    let maintenance: { kick(): void } | null = null;
    const onWrite = () => {
      kickRelays();
      maintenance?.kick();
    };
    const u = inventoryUseCases(m, own.inventoryLeaseMs, onWrite, kickRelays);
    const running = startMaintenance({ ...u, logger, intervalMs: own.inventorySweepIntervalMs, leaseMs: own.inventoryLeaseMs });
    maintenance = running;
    return {
      handlers: inventoryHandlers(u),
      stop: async () => {
        await running.stop();
        await relay.stop();
        await rareRelay.stop();
      },
    };
  },
});
