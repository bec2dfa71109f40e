import type { Cart } from '../../../../gen/shop/cart/v1/cart_service.js';

/** Proof that the caller may check a cart out: the customer, or the guest cart's token. */
export interface CartProof {
  customerId: string | null;
  cartToken: string;
}

/** The cart service's checkout hold. */
export interface CartPort {
  /** Freezes the cart for this checkout and returns it priced; repeating it is harmless. */
  begin(cartId: string, checkoutId: string, proof: CartProof): Promise<Cart>;
  /** Completed closes the cart; otherwise it opens again. Idempotent. */
  end(cartId: string, checkoutId: string, outcome: { completed: boolean; orderId: string }): Promise<void>;
}

export type ReserveOutcome = { ok: true } | { ok: false; skus: string[] };

/** Inventory reservations, keyed by the order id (every call is idempotent). */
export interface StockPort {
  reserve(reservationId: string, lines: ReadonlyArray<{ sku: string; quantity: number }>, expiresInSeconds: number): Promise<ReserveOutcome>;
  commit(reservationId: string): Promise<void>;
  /** Gives held stock back; a reservation already released or never made is fine. */
  release(reservationId: string): Promise<void>;
  /** Puts committed (sold) stock back on the shelves it came from: a cancelled confirmed order. Idempotent. */
  restock(reservationId: string): Promise<void>;
}

export type AuthoriseOutcome =
  | { status: 'authorised'; paymentId: string }
  | { status: 'requires_action'; paymentId: string; actionUrl: string }
  | { status: 'failed'; paymentId: string; reason: string };

/** The payment service; the idempotency key makes a repeated call return the first result. */
export interface PaymentPort {
  authorise(o: { idempotencyKey: string; orderId: string; customerId: string; currencyCode: string; amountMinor: number; provider: string; token: string }): Promise<AuthoriseOutcome>;
  /** Releases an authorisation (or refunds an immediate capture); a failed or voided payment is left alone. */
  void(paymentId: string, idempotencyKey: string): Promise<void>;
  /** Captures an authorised payment in full; one already captured is left alone. */
  capture(paymentId: string, idempotencyKey: string): Promise<void>;
}

/** A shipment to create: the order's lines as ordered and what ships now. */
export interface ShipmentRequest {
  orderId: string;
  customerId: string;
  orderLines: ReadonlyArray<{ id: string; sku: string; quantity: number }>;
  lines: ReadonlyArray<{ lineId: string; sku: string; quantity: number }>;
  warehouseId: string;
  carrier: string;
  carrierName: string;
  trackingNumber: string;
  methodId: string;
  destination: { fullName: string; company: string; line1: string; line2: string; city: string; region: string; postalCode: string; countryCode: string; phone: string };
  requestId: string;
}

/** The shipping service's shipments. */
export interface ShippingPort {
  /** Creates a shipment (idempotent by request id); returns its id. */
  createShipment(request: ShipmentRequest): Promise<string>;
}
