import type { InventoryServiceService } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { selfUserId } from '../../../platform/src/auth.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import type { PurchaseOrders } from '../app/purchase-orders.js';
import type { Reservations } from '../app/reservations.js';
import { actorOf, type Stock } from '../app/stock.js';
import type { Subscriptions } from '../app/subscriptions.js';
import type { Suppliers } from '../app/suppliers.js';
import type { Transfers } from '../app/transfers.js';
import type { Warehouses } from '../app/warehouses.js';

export interface InventoryUseCases {
  warehouses: Warehouses;
  stock: Stock;
  transfers: Transfers;
  reservations: Reservations;
  suppliers: Suppliers;
  purchaseOrders: PurchaseOrders;
  subscriptions: Subscriptions;
}

/** Proto in, use case, proto out; every rule lives in app/ and domain/. */
export function inventoryHandlers(u: InventoryUseCases): ServiceHandlers<typeof InventoryServiceService> {
  return {
    createWarehouse: (req, ctx) => u.warehouses.create(req.warehouse, ctx),
    getWarehouse: (req) => u.warehouses.get(req.id),
    listWarehouses: (req) => u.warehouses.list(req),
    updateWarehouse: (req, ctx) => u.warehouses.update(req.warehouse, req.updateMask, ctx),
    listStockLevels: (req) => u.stock.listLevels(req),
    updateStockLevel: (req, ctx) => u.stock.updateLevel(req.stockLevel, req.updateMask, ctx),
    createStockAdjustment: (req, ctx) => u.stock.adjust(req, ctx),
    listStockLedger: (req) => u.stock.ledger(req),
    createTransfer: (req, ctx) => u.transfers.create(req, ctx),
    getTransfer: (req) => u.transfers.get(req.id),
    listTransfers: (req) => u.transfers.list(req),
    receiveTransfer: (req) => u.transfers.receive(req.id),
    getAvailability: (req) => u.stock.availability(req.skus),
    reserveStock: (req) => u.reservations.reserve(req.reservationId, req.lines, req.expiresInSeconds),
    getReservation: (req) => u.reservations.get(req.reservationId),
    commitReservation: (req, ctx) => u.reservations.commit(req.reservationId, actorOf(ctx)),
    releaseReservation: (req) => u.reservations.release(req.reservationId, 'requested'),
    extendReservation: (req) => u.reservations.extend(req.reservationId, req.expiresInSeconds),
    createSupplier: (req, ctx) => u.suppliers.create(req.supplier, ctx),
    getSupplier: (req) => u.suppliers.get(req.id),
    listSuppliers: (req) => u.suppliers.list(req),
    updateSupplier: (req, ctx) => u.suppliers.update(req.supplier, req.updateMask, ctx),
    deleteSupplier: async (req, ctx) => {
      await u.suppliers.delete(req.id, ctx);
      return {};
    },
    createPurchaseOrder: (req, ctx) => u.purchaseOrders.create(req.purchaseOrder, ctx),
    getPurchaseOrder: (req) => u.purchaseOrders.get(req.id),
    listPurchaseOrders: (req) => u.purchaseOrders.list(req),
    sendPurchaseOrder: (req, ctx) => u.purchaseOrders.send(req.id, req.etag, ctx),
    receivePurchaseOrder: (req, ctx) => u.purchaseOrders.receive(req, ctx),
    cancelPurchaseOrder: (req, ctx) => u.purchaseOrders.cancel(req.id, req.etag, ctx),
    createBackInStockSubscription: (req, ctx) => u.subscriptions.subscribe(selfUserId(ctx), req.sku),
    listBackInStockSubscriptions: (req, ctx) => u.subscriptions.list(selfUserId(ctx), req),
    deleteBackInStockSubscription: async (req, ctx) => {
      await u.subscriptions.unsubscribe(selfUserId(ctx), req.sku);
      return {};
    },
  };
}
