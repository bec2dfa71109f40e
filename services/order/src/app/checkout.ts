import { createHash, randomBytes } from 'node:crypto';
import { Types, type Model, type mongo } from 'mongoose';
import type { Cart } from '../../../../gen/shop/cart/v1/cart_service.js';
import { DomainError, Violations, toDomainError } from '../../../platform/src/errors.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import type { AddressFields as PostalAddress } from '../../../platform/src/address.js';
import type { OrderStatusName } from '../domain/status.js';
import type { CheckoutStep, OrderDoc, TimelineDoc } from '../infra/orders.js';
import { orderEventEntry } from './order-events.js';
import type { CartPort, CartProof, PaymentPort, StockPort } from './ports.js';

export interface CheckoutRequest {
  cartId: string;
  idempotencyKey: string;
  provider: string;
  token: string;
}

export interface CheckoutDeps {
  orders: Model<OrderDoc>;
  cart: CartPort;
  stock: StockPort;
  payment: PaymentPort;
  /** How long a driver owns a checkout before the recovery sweeper may take over. */
  leaseMs: number;
  /** How long stock stays reserved for a checkout (longer while payment awaits the customer). */
  reservationSeconds: number;
  /** Wakes the outbox relay after a write with events. */
  onWrite: () => void;
  /** Test only: the process kills itself right after writing this step (crash-recovery tests). */
  crashAfterStep?: CheckoutStep;
}

/** Steps a sweeper must finish: everything not settled and not waiting for the customer. */
export const UNFINISHED_STEPS: readonly CheckoutStep[] = ['started', 'priced', 'reserved', 'authorised', 'compensating'];
const SETTLED: ReadonlySet<CheckoutStep> = new Set(['done', 'failed', 'awaiting_payment']);
const SYSTEM = 'system';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');
const NUMBER_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'; // no 0/O, 1/I/L
export function newOrderNumber(): string {
  const bytes = randomBytes(8);
  return `SM-${[...bytes].map((b) => NUMBER_ALPHABET[b % NUMBER_ALPHABET.length]).join('')}`;
}

function entry(status: OrderStatusName, event: string, detail = '', actor = SYSTEM): TimelineDoc {
  return { at: new Date(), status, event, actor, detail };
}

/** The error a failed checkout answers with, the first time and on every retry. */
function checkoutFailure(order: OrderDoc): DomainError {
  const meta = { order_id: order._id, order_number: order.number };
  const reason = order.failureCode ?? 'CHECKOUT_FAILED';
  return new DomainError('failed_precondition', reason, order.failureReason ?? 'the checkout failed', meta);
}

/**
 * The checkout saga. Each step is written to the order before the next one starts,
 * and every call to another service is idempotent (keyed by the order id), so a step
 * can always be repeated: the request that started a checkout drives it, and if that
 * process dies the recovery sweeper picks the order up when its lease runs out and
 * finishes it forward, or compensates it (release stock, void payment, reopen cart).
 *
 * Idempotency: the order document is the idempotency record. Its unique checkoutKey
 * (cart + client key) is claimed by one insert; concurrent and later retries read
 * the same order, wait for it to settle and answer as the first call did.
 */
export class CheckoutSaga {
  constructor(private readonly deps: CheckoutDeps) {}

  /** The driver's collection behind the model, for the saga's hot writes. */
  private get collection(): mongo.Collection<OrderDoc> {
    return this.deps.orders.collection as unknown as mongo.Collection<OrderDoc>;
  }

  async checkout(input: CheckoutRequest, proof: CartProof): Promise<OrderDoc> {
    validateRequest(input);
    const checkoutKey = sha256(`${input.cartId}\n${input.idempotencyKey}`);
    const requestHash = sha256(JSON.stringify([input.cartId, input.provider, input.token]));
    const claimed = await this.claim(input, checkoutKey, requestHash, proof);
    if (claimed.fresh) return this.answer(await this.drive(claimed.order, proof));
    const existing = claimed.order;
    if (existing.requestHash !== requestHash) {
      throw new DomainError('failed_precondition', 'IDEMPOTENCY_KEY_REUSED', `idempotency key ${input.idempotencyKey} was used for a different checkout request`, { idempotency_key: input.idempotencyKey }, [
        { field: 'idempotency_key', description: 'was already used with other parameters; use a new key for a new request' },
      ]);
    }
    return this.answer(await this.settled(existing._id));
  }

  /** Continues a checkout from its recorded step (recovery sweeper, payment events). */
  async resume(orderId: string): Promise<OrderDoc> {
    return this.drive(await this.reload(orderId), null);
  }

  /** The payment provider settled a payment the customer had to act on (webhook); null when the order is not waiting for one. */
  async paymentSettled(orderId: string, outcome: { authorised: boolean; paymentId: string; reason: string }): Promise<OrderDoc | null> {
    // Every checkout's own authorisation arrives here too: only an order waiting for the customer is read whole.
    const order = await this.deps.orders.findOne({ _id: orderId, step: 'awaiting_payment' }, { outbox: 0 }).lean<OrderDoc>();
    if (!order) return null;
    if (outcome.authorised) {
      const next = await this.advance(order, 'authorised', { status: 'awaiting_payment', set: { 'payment.paymentId': outcome.paymentId }, timeline: entry('awaiting_payment', 'payment_authorised', 'confirmed by the payment provider') });
      return next ? this.drive(next, null) : this.resume(orderId);
    }
    return this.fail(order, 'payment_failed', 'PAYMENT_DECLINED', outcome.reason || 'the payment was declined');
  }

  private async claim(input: CheckoutRequest, checkoutKey: string, requestHash: string, proof: CartProof): Promise<{ fresh: boolean; order: OrderDoc }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date();
      // Every field the schema would default, so the driver's insert stores what mongoose's would.
      const doc: OrderDoc = {
        _id: new Types.ObjectId().toHexString(),
        number: newOrderNumber(),
        status: 'pending',
        ...(proof.customerId ? { customerId: proof.customerId } : {}),
        email: '',
        currencyCode: 'XXX',
        lines: [],
        totals: { subtotalMinor: 0, discountMinor: 0, shippingMinor: 0, taxMinor: 0, includedTaxMinor: 0, grandTotalMinor: 0 },
        shippingMethodId: '',
        payment: { provider: input.provider, token: input.token },
        cartId: input.cartId,
        checkoutKey,
        requestHash,
        step: 'started',
        leaseUntil: new Date(now.getTime() + this.deps.leaseMs),
        timeline: [],
        revision: 1,
        outbox: [],
        createdAt: now,
        updatedAt: now,
      };
      try {
        // The driver's insert, not Model.create: no document to hydrate, validate and turn back into an object.
        await this.collection.insertOne(doc);
        return { fresh: true, order: doc };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const existing = await this.deps.orders.findOne({ checkoutKey }).lean<OrderDoc>();
        if (existing) return { fresh: false, order: existing };
        // The duplicate was the random order number: draw another.
      }
    }
    throw new DomainError('unavailable', 'ORDER_NUMBER_EXHAUSTED', 'could not allocate an order number; retry');
  }

  /** Waits for a checkout another request is driving to settle (retries answer like the first call). */
  private async settled(orderId: string, waitMs = 25_000): Promise<OrderDoc> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const order = await this.deps.orders.findById(orderId).lean<OrderDoc>();
      if (!order) {
        // The first call was refused before an order existed (invalid cart): so is this one.
        throw new DomainError('aborted', 'CHECKOUT_REFUSED', 'the checkout with this key was refused; fix the cart and retry with a new key');
      }
      if (SETTLED.has(order.step)) return order;
      if (Date.now() > deadline) throw new DomainError('unavailable', 'CHECKOUT_IN_PROGRESS', `checkout of order ${order.number} is still running; retry with the same key`, { order_id: order._id });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private answer(order: OrderDoc): OrderDoc {
    if (order.step === 'failed') throw checkoutFailure(order);
    return order;
  }

  private async drive(start: OrderDoc, proof: CartProof | null): Promise<OrderDoc> {
    let order = start;
    for (let i = 0; i < 10; i++) {
      switch (order.step) {
        case 'started':
          if (!proof) return this.abandonUnpriced(order);
          order = await this.price(order, proof);
          break;
        case 'priced':
          order = await this.reserve(order);
          break;
        case 'reserved':
          order = await this.authorise(order);
          break;
        case 'authorised':
          order = await this.confirm(order);
          break;
        case 'compensating':
          order = await this.compensate(order);
          break;
        default:
          return order;
      }
      if (this.deps.crashAfterStep === order.step) process.kill(process.pid, 'SIGKILL');
    }
    return order;
  }

  /** Step 1-2: freeze and re-price the cart, check it can be ordered, snapshot it into the order. */
  private async price(order: OrderDoc, proof: CartProof): Promise<OrderDoc> {
    let cart: Cart;
    try {
      cart = await this.deps.cart.begin(order.cartId, order._id, proof);
    } catch (err) {
      // No order came to be (not the caller's cart, another checkout running, ...).
      await this.deps.orders.deleteOne({ _id: order._id, step: 'started' });
      throw err;
    }
    const problems = orderability(cart);
    const blocked = cart.lines.filter((l) => !l.purchasable);
    if (problems.length === 1 && blocked.length > 0 && blocked.every((l) => l.unavailableReason === 'OUT_OF_STOCK')) {
      // Sold out between adding and paying: the same answer as a reservation that finds no stock.
      await this.deps.cart.end(order.cartId, order._id, { completed: false, orderId: '' });
      await this.deps.orders.deleteOne({ _id: order._id, step: 'started' });
      throw new DomainError('failed_precondition', 'OUT_OF_STOCK', `not enough stock for ${blocked.map((l) => l.sku).join(', ')}`, { cart_id: order.cartId });
    }
    if (problems.length > 0) {
      await this.deps.cart.end(order.cartId, order._id, { completed: false, orderId: '' });
      await this.deps.orders.deleteOne({ _id: order._id, step: 'started' });
      throw problems.length === 1 && problems[0]!.field === 'lines'
        ? new DomainError('failed_precondition', 'CART_NOT_PURCHASABLE', problems[0]!.description, { cart_id: order.cartId }, problems)
        : new DomainError('failed_precondition', 'CART_INCOMPLETE', 'the cart is not ready for checkout', { cart_id: order.cartId }, problems);
    }
    const money = (m: { amountMinor: number } | undefined) => m?.amountMinor ?? 0;
    const snapshot = {
      email: cart.email,
      currencyCode: cart.currencyCode,
      lines: cart.lines.map((l) => ({
        id: l.id, sku: l.sku, productId: l.productId, productName: l.productName, quantity: l.quantity,
        unitPriceMinor: money(l.unitPrice), lineTotalMinor: money(l.lineTotal), taxMinor: money(l.tax), taxRateBps: l.taxRateBps, shippedQuantity: 0,
      })),
      totals: {
        subtotalMinor: money(cart.subtotal), discountMinor: money(cart.discountTotal), shippingMinor: money(cart.shippingTotal),
        taxMinor: money(cart.taxTotal), includedTaxMinor: money(cart.includedTaxTotal), grandTotalMinor: money(cart.grandTotal),
      },
      shippingAddress: address(cart.shippingAddress),
      billingAddress: address(cart.billingAddress) ?? address(cart.shippingAddress),
      shippingMethodId: cart.shippingMethodId,
    };
    const placed = { ...order, ...snapshot } as OrderDoc;
    const next = await this.advance(order, 'priced', {
      status: 'pending',
      set: snapshot,
      timeline: entry('pending', 'placed', '', proof.customerId ? 'customer' : 'guest'),
      events: [orderEventEntry('placed', placed)],
    });
    return next ?? this.reload(order._id);
  }

  /** Step 3: hold the stock under the order id (all lines or none). */
  private async reserve(order: OrderDoc): Promise<OrderDoc> {
    const outcome = await this.deps.stock.reserve(order._id, order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), this.deps.reservationSeconds);
    if (!outcome.ok) return this.fail(order, 'cancelled', 'OUT_OF_STOCK', `not enough stock for ${outcome.skus.join(', ')}`);
    return (await this.advance(order, 'reserved', { status: 'pending', timeline: entry('pending', 'stock_reserved') })) ?? this.reload(order._id);
  }

  /** Step 4: authorise the payment; the key derives from the order, so a repeat never charges twice. */
  private async authorise(order: OrderDoc): Promise<OrderDoc> {
    const outcome = await this.deps.payment.authorise({
      idempotencyKey: `order:${order._id}:authorise`,
      orderId: order._id,
      customerId: order.customerId ?? '',
      currencyCode: order.currencyCode,
      amountMinor: order.totals.grandTotalMinor,
      provider: order.payment.provider,
      token: order.payment.token,
    });
    if (outcome.status === 'failed') return this.fail({ ...order, payment: { ...order.payment, paymentId: outcome.paymentId } }, 'payment_failed', 'PAYMENT_DECLINED', outcome.reason || 'the payment was declined');
    if (outcome.status === 'requires_action') {
      return (await this.advance(order, 'awaiting_payment', {
        status: 'awaiting_payment',
        set: { 'payment.paymentId': outcome.paymentId, 'payment.actionUrl': outcome.actionUrl },
        timeline: entry('awaiting_payment', 'payment_requires_action'),
      })) ?? this.reload(order._id);
    }
    return (await this.advance(order, 'authorised', {
      status: 'pending',
      set: { 'payment.paymentId': outcome.paymentId },
      timeline: entry('pending', 'payment_authorised'),
    })) ?? this.reload(order._id);
  }

  /** Step 5: commit the stock, close the cart, confirm the order. */
  private async confirm(order: OrderDoc): Promise<OrderDoc> {
    try {
      await this.deps.stock.commit(order._id);
    } catch (err) {
      // The hold ran out (a payment that took too long) and the stock went back.
      if (toDomainError(err).code === 'failed_precondition') return this.fail(order, 'cancelled', 'RESERVATION_EXPIRED', 'the stock hold expired before the payment was confirmed');
      throw err;
    }
    await this.deps.cart.end(order.cartId, order._id, { completed: true, orderId: order._id });
    const confirmed = { ...order, status: 'confirmed' as const };
    return (await this.advance(order, 'done', {
      status: 'confirmed',
      set: { 'payment.token': '' },
      timeline: entry('confirmed', 'confirmed'),
      events: [orderEventEntry('confirmed', confirmed)],
    })) ?? this.reload(order._id);
  }

  /** Records the failure first (so a crash mid-way still compensates), then undoes what was done. */
  private async fail(order: OrderDoc, status: 'cancelled' | 'payment_failed', code: string, reason: string): Promise<OrderDoc> {
    const marked = await this.advance(order, 'compensating', {
      status,
      set: { failureCode: code, failureReason: reason, ...(order.payment.paymentId ? { 'payment.paymentId': order.payment.paymentId } : {}) },
      timeline: entry(status, code.toLowerCase(), reason),
    });
    return this.compensate(marked ?? (await this.reload(order._id)));
  }

  private async compensate(order: OrderDoc): Promise<OrderDoc> {
    if (order.step !== 'compensating') return order;
    if (order.payment.paymentId) await this.deps.payment.void(order.payment.paymentId, `order:${order._id}:void`);
    await this.deps.stock.release(order._id);
    await this.deps.cart.end(order.cartId, order._id, { completed: false, orderId: '' });
    const failed = { ...order };
    return (await this.advance(order, 'failed', {
      status: order.status,
      set: { 'payment.token': '' },
      timeline: entry(order.status, 'compensated', 'stock released, payment voided, cart reopened'),
      events: [orderEventEntry('cancelled', failed)],
    })) ?? this.reload(order._id);
  }

  /** A checkout that died before it was priced never became an order: reopen the cart, drop the claim. */
  private async abandonUnpriced(order: OrderDoc): Promise<OrderDoc> {
    await this.deps.cart.end(order.cartId, order._id, { completed: false, orderId: '' });
    await this.deps.orders.deleteOne({ _id: order._id, step: 'started' });
    return { ...order, step: 'failed', failureCode: 'CHECKOUT_INTERRUPTED', failureReason: 'the checkout was interrupted; retry' };
  }

  /**
   * Moves the saga from the order's recorded step to the next, in one conditional
   * update (only if nobody moved it meanwhile), renewing the lease. Null when another
   * driver got there first. The update is conditioned on the revision the driver holds
   * too, so the order after it is computed here rather than read back (the driver's
   * update, not mongoose's: nothing to cast, nothing returned); when something beside
   * the saga changed the order (a staff note), it is read again and the step retried.
   */
  private async advance(held: OrderDoc, step: CheckoutStep, change: { status: OrderStatusName; set?: Record<string, unknown>; timeline: TimelineDoc; events?: OrderDoc['outbox'] }): Promise<OrderDoc | null> {
    let order = held;
    for (;;) {
      const now = new Date();
      const set = { ...change.set, step, status: change.status, leaseUntil: new Date(now.getTime() + this.deps.leaseMs), updatedAt: now };
      const written = await this.collection.updateOne(
        { _id: order._id, step: order.step, revision: order.revision },
        {
          $set: set,
          $inc: { revision: 1 },
          $push: { timeline: change.timeline, ...(change.events?.length ? { outbox: { $each: change.events } } : {}) },
        },
        { ignoreUndefined: true },
      );
      if (written.matchedCount === 1) {
        if (change.events?.length) this.deps.onWrite();
        return { ...withFields(order, set), revision: order.revision + 1, timeline: [...order.timeline, change.timeline] };
      }
      const current = await this.deps.orders.findById(order._id, { outbox: 0 }).lean<OrderDoc>();
      if (!current || current.step !== order.step) return null;
      order = current;
    }
  }

  private async reload(id: string): Promise<OrderDoc> {
    const order = await this.deps.orders.findById(id, { outbox: 0 }).lean<OrderDoc>();
    if (!order) throw new DomainError('not_found', 'ORDER_NOT_FOUND', `order ${id} not found`, { order_id: id });
    return order;
  }
}

/** The order with a `$set`'s fields applied (top-level or one level deep, as "payment.paymentId"); undefined values are not stored. */
function withFields(order: OrderDoc, set: Record<string, unknown>): OrderDoc {
  const next: Record<string, unknown> = { ...order };
  for (const [path, value] of Object.entries(set)) {
    if (value === undefined) continue;
    const dot = path.indexOf('.');
    if (dot < 0) next[path] = value;
    else next[path.slice(0, dot)] = { ...(next[path.slice(0, dot)] as Record<string, unknown>), [path.slice(dot + 1)]: value };
  }
  return next as unknown as OrderDoc;
}

function validateRequest(input: CheckoutRequest): void {
  const v = new Violations();
  if (input.cartId.trim() === '') v.add('cart_id', 'is required');
  if (input.idempotencyKey.trim() === '' || input.idempotencyKey.length > 100) v.add('idempotency_key', 'is required: 1 to 100 characters, new for each checkout attempt you mean');
  if (input.provider.trim() === '') v.add('payment.provider', 'is required');
  if (input.token.length > 500) v.add('payment.token', 'must be at most 500 characters');
  v.throwIfAny();
}

/** What keeps a frozen cart from becoming an order, as field violations. */
function orderability(cart: Cart): Array<{ field: string; description: string }> {
  const problems: Array<{ field: string; description: string }> = [];
  if (cart.lines.length === 0) problems.push({ field: 'lines', description: 'the cart is empty' });
  else if (!cart.purchasable) {
    const blocked = cart.lines.filter((l) => !l.purchasable).map((l) => `${l.sku} (${l.unavailableReason})`);
    problems.push({ field: 'lines', description: `cannot be bought now: ${blocked.join(', ')}; remove them and retry` });
  }
  if (!cart.email) problems.push({ field: 'email', description: 'the cart needs a contact email' });
  if (!address(cart.shippingAddress)) problems.push({ field: 'shipping_address', description: 'the cart needs a shipping address' });
  else if (!cart.shippingMethodId) problems.push({ field: 'shipping_method_id', description: 'choose a shipping method (GET /v1/carts/{id}/shipping-options)' });
  else if (cart.shippingIssue) problems.push({ field: 'shipping_method_id', description: cart.shippingIssue });
  return problems;
}

function address(a: PostalAddress | undefined): PostalAddress | undefined {
  return a && a.countryCode ? { ...a } : undefined;
}
