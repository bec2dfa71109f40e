import { AdjustmentReason, ReservationState, type InventoryServiceService } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { toDomainError } from '../../../platform/src/errors.js';
import type { ServiceClient } from '../../../platform/src/grpc/client.js';
import type { ServiceTokenSource } from '../../../platform/src/service-token.js';
import type { ReserveOutcome, StockPort } from '../app/ports.js';

/** Inventory reservations under the order id, as the order service's account. */
export class StockAdapter implements StockPort {
  constructor(
    private readonly inventory: ServiceClient<typeof InventoryServiceService>,
    private readonly tokens: ServiceTokenSource,
  ) {}

  private async auth() {
    return { token: await this.tokens.token(), timeoutMs: 10_000 };
  }

  async reserve(reservationId: string, lines: ReadonlyArray<{ sku: string; quantity: number }>, expiresInSeconds: number): Promise<ReserveOutcome> {
    try {
      await this.inventory.reserveStock({ reservationId, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), expiresInSeconds }, await this.auth());
      return { ok: true };
    } catch (err) {
      const failure = toDomainError(err);
      if (failure.reason === 'INSUFFICIENT_STOCK') return { ok: false, skus: [failure.metadata['sku'] ?? 'an item'] };
      throw err;
    }
  }

  async commit(reservationId: string): Promise<void> {
    await this.inventory.commitReservation({ reservationId }, await this.auth());
  }

  async release(reservationId: string): Promise<void> {
    try {
      await this.inventory.releaseReservation({ reservationId }, await this.auth());
    } catch (err) {
      // Nothing is held under this id (never reserved, the reservation failed, or it was
      // released already): nothing to give back. A committed one is a real conflict.
      const failure = toDomainError(err);
      if (failure.reason === 'RESERVATION_NOT_FOUND') return;
      if (failure.reason === 'RESERVATION_NOT_ACTIVE' && failure.metadata['state'] !== 'committed') return;
      throw err;
    }
  }

  async restock(reservationId: string): Promise<void> {
    const auth = await this.auth();
    const reservation = await this.inventory.getReservation({ reservationId }, auth);
    if (reservation.state !== ReservationState.RESERVATION_STATE_COMMITTED) return this.release(reservationId);
    for (const a of reservation.allocations) {
      await this.inventory.createStockAdjustment({
        sku: a.sku,
        warehouseId: a.warehouseId,
        quantityDelta: a.quantity,
        reason: AdjustmentReason.ADJUSTMENT_REASON_RETURN_TO_STOCK,
        note: `order ${reservationId} cancelled`,
        // One key per allocation: a repeated cancel puts nothing back twice.
        requestId: `order:${reservationId}:restock:${a.sku}:${a.warehouseId}`,
      }, auth);
    }
  }
}
