import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DomainError, Violations, toDomainError } from '../../../platform/src/errors.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import { validateAddress, type AddressFields as PostalAddress } from '../../../platform/src/address.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import {
  addUnits, assertOpen, checkQuantity, mergeLines, newCart, rememberKey, setQuantity,
  type AddressDoc, type CartDoc, type CartLimits,
} from '../domain/cart.js';
import type { CartStore } from '../infra/cart-store.js';
import type { CustomerGateways } from '../infra/customer-gateways.js';
import { priceCart, type PricedCart, type PricedLine, type PricingSources } from './priced-cart.js';
import type { ShippingOptionQuote } from './ports.js';

/**
 * Where carts are priced from: `cached` (this replica's caches, for views and adds)
 * and `live` (every answer asked now, for checkout and before refusing an add).
 */
export interface CartPricing {
  cached: PricingSources;
  live: PricingSources;
}

const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));
const CART_ERRORS = resourceErrors('cart');
export const CART_TOKEN_HEADER = 'x-cart-token';

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

/** A cart as the API returns it, with the guest token only on the answer that created it. */
export interface CartAnswer {
  priced: PricedCart;
  cartToken?: string;
  expiresInSeconds: number;
}

/** The fields of UpdateCart; undefined leaves a field as it is. */
export interface CartDetailsPatch {
  email?: string;
  /** Address-book entries of the signed-in customer to copy (win over the address fields). */
  shippingAddressId?: string;
  billingAddressId?: string;
  shippingAddress?: PostalAddress | null;
  billingAddress?: PostalAddress | null;
  shippingMethodId?: string;
}

/**
 * Cart use cases. Who may touch a cart: its customer (bearer token) or, for a guest
 * cart, whoever holds its token (x-cart-token). Every change is a compare-and-set
 * on the cart's revision (platform writeAtRevision over Redis), so concurrent
 * changes from two tabs both land.
 */
export class Carts {
  constructor(
    private readonly store: CartStore,
    private readonly pricing: CartPricing,
    private readonly customers: CustomerGateways | null,
    private readonly limits: CartLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(currencyCode: string, ctx: CallContext): Promise<CartAnswer> {
    const currency = currencyCode.trim().toUpperCase();
    if (!ISO_4217.has(currency)) new Violations().add('currency_code', 'must be an ISO 4217 code such as EUR or USD').throwIfAny();
    const customerId = customerOf(ctx);
    if (customerId) return this.customerCart(customerId, currency, ctx);
    const token = randomBytes(32).toString('base64url');
    const cart = newCart(randomUUID(), currency, { tokenHash: hashToken(token) }, this.now());
    await this.store.create(cart);
    return { ...(await this.answer(cart, ctx)), cartToken: token };
  }

  /** A customer has one open cart per currency: creating another returns it. */
  private async customerCart(customerId: string, currency: string, ctx: CallContext): Promise<CartAnswer> {
    const existingId = await this.store.customerCartId(customerId, currency);
    const existing = existingId ? await this.store.get(existingId) : null;
    if (existing?.state === 'open') return this.answer(existing, ctx);
    const cart = newCart(randomUUID(), currency, { customerId, ...(ctx.caller?.customerGroup ? { customerGroup: ctx.caller.customerGroup } : {}) }, this.now());
    await this.store.create(cart);
    const winner = await this.store.claimCustomerCart(customerId, currency, cart.id, existingId);
    const chosen = winner === cart.id ? cart : await this.store.get(winner);
    return this.answer(chosen ?? cart, ctx);
  }

  async get(id: string, ctx: CallContext): Promise<CartAnswer> {
    return this.answer(await this.load(id, ctx), ctx);
  }

  async addLine(id: string, input: { sku: string; quantity: number; idempotencyKey: string }, ctx: CallContext): Promise<CartAnswer> {
    const v = new Violations();
    const sku = input.sku.trim();
    if (sku === '') v.add('sku', 'is required');
    checkQuantity('quantity', input.quantity, v, { allowZero: false });
    if (input.idempotencyKey.length > 100) v.add('idempotency_key', 'must be at most 100 characters');
    v.throwIfAny();
    const cart = await this.load(id, ctx);
    if (input.idempotencyKey && cart.recentAddKeys.includes(input.idempotencyKey)) return this.answer(cart, ctx);
    assertOpen(cart);
    // Priced once as it would be: the new line's checks (exists, for sale, priced, the
    // whole quantity in stock) and, unless someone changed the cart meanwhile, the answer.
    const prospective: CartDoc = { ...cart, lines: addUnits(cart.lines, sku, input.quantity, this.limits) };
    let checked = await priceCart(prospective, this.pricing.cached, ctx);
    // A refusal is never the caches' word: what they do not vouch for is asked live.
    if (checked.lines.find((l) => l.sku === sku)!.unavailableReason !== '') checked = await priceCart(prospective, this.pricing.live, ctx);
    assertSellable(checked.lines.find((l) => l.sku === sku)!, cart.currencyCode);
    const { cart: saved, written } = await this.write(id, ctx, (current) => {
      // A retry whose first attempt landed while we were checking the SKU adds nothing.
      if (input.idempotencyKey && current.recentAddKeys.includes(input.idempotencyKey)) return current;
      // Unchanged since it was checked: exactly the lines that were priced (same line ids).
      const lines = current.revision === cart.revision ? prospective.lines : addUnits(current.lines, sku, input.quantity, this.limits);
      return { ...current, lines, recentAddKeys: rememberKey(current.recentAddKeys, input.idempotencyKey) };
    }, {}, cart);
    const untouchedMeanwhile = saved.revision === cart.revision + 1 && (saved.customerGroup ?? '') === (cart.customerGroup ?? '');
    // A write renews the cart's time to live: known without asking Redis.
    const ttl = written ? this.store.ttlSeconds : Math.max(await this.store.ttl(id), 0);
    if (!untouchedMeanwhile) return this.answer(saved, ctx, { ttl });
    return { priced: { ...checked, cart: saved }, expiresInSeconds: ttl };
  }

  async updateLine(id: string, lineId: string, quantity: number, ctx: CallContext): Promise<CartAnswer> {
    const v = new Violations();
    checkQuantity('quantity', quantity, v, { allowZero: true });
    v.throwIfAny();
    return this.change(id, ctx, (current) => ({ ...current, lines: setQuantity(current, lineId, quantity, this.limits) }));
  }

  async removeLine(id: string, lineId: string, ctx: CallContext): Promise<CartAnswer> {
    return this.change(id, ctx, (current) => ({ ...current, lines: setQuantity(current, lineId, 0, this.limits) }));
  }

  /** Replaces address-book ids with the addresses they name (the caller's own book). */
  private async withBookAddresses(patch: CartDetailsPatch, ctx: CallContext): Promise<CartDetailsPatch> {
    if (!patch.shippingAddressId && !patch.billingAddressId) return patch;
    if (!customerOf(ctx) || !this.customers) {
      throw new DomainError('unauthenticated', 'SIGN_IN_REQUIRED', 'sign in to use addresses from your address book', {}, [{ field: patch.shippingAddressId ? 'shipping_address_id' : 'billing_address_id', description: 'needs a signed-in customer' }]);
    }
    const next = { ...patch };
    if (patch.shippingAddressId) next.shippingAddress = await this.customers.address(patch.shippingAddressId, 'shipping_address_id', ctx);
    if (patch.billingAddressId) next.billingAddress = await this.customers.address(patch.billingAddressId, 'billing_address_id', ctx);
    return next;
  }

  /** The shipping methods that can take the cart to its address, cheapest first. */
  async shippingOptions(id: string, ctx: CallContext): Promise<ShippingOptionQuote[]> {
    const cart = await this.load(id, ctx);
    if (!cart.shippingAddress) throw new DomainError('failed_precondition', 'SHIPPING_ADDRESS_REQUIRED', 'set a shipping address on the cart first', { cart_id: id }, [{ field: 'shipping_address', description: 'is required for shipping options' }]);
    const priced = await priceCart(cart, { ...this.pricing.cached, shipping: null, stock: null }, ctx);
    const shipping = this.pricing.live.shipping;
    if (!priced.parcel || !shipping) return [];
    return shipping.quote(priced.parcel, '', ctx);
  }

  async updateDetails(id: string, input: CartDetailsPatch, ctx: CallContext): Promise<CartAnswer> {
    const patch = await this.withBookAddresses(input, ctx);
    const set = validateDetails(patch);
    if (set.values.shippingMethodId) await this.assertShippable(id, set, ctx);
    return this.change(id, ctx, (current) => {
      const next: CartDoc = { ...current, ...set.values };
      for (const key of set.cleared) delete next[key];
      return next;
    });
  }

  /**
   * Moves a guest cart's lines into the caller's cart in the same currency and
   * closes the guest cart. The guest cart is closed first (compare-and-set), so a
   * merge repeated or raced adds its lines once.
   */
  async merge(guestCartId: string, ctx: CallContext): Promise<CartAnswer> {
    const customerId = customerOf(ctx);
    if (!customerId) throw new DomainError('unauthenticated', 'SIGN_IN_REQUIRED', 'sign in to merge a guest cart into your cart');
    const guest = await this.load(guestCartId, ctx);
    if (guest.customerId) throw new DomainError('failed_precondition', 'NOT_A_GUEST_CART', `cart ${guestCartId} is not a guest cart`, { cart_id: guestCartId });
    const target = (await this.customerCart(customerId, guest.currencyCode, ctx)).priced.cart;
    // Mutations run once per attempt; what the winning attempt saw is what we merge.
    let moved: CartDoc['lines'] = [];
    await this.change(guestCartId, ctx, (current) => {
      moved = [];
      if (current.state === 'merged' && current.mergedInto === target.id) return current;
      moved = current.lines;
      return { ...current, state: 'merged', mergedInto: target.id };
    });
    if (moved.length === 0) return this.answer((await this.store.get(target.id)) ?? target, ctx);
    const lines = moved;
    return this.change(target.id, ctx, (current) => ({ ...current, lines: mergeLines(current.lines, lines, this.limits) }));
  }

  /** Reads a cart the caller may use, or fails: 404 when it is gone or someone else's. */
  async load(id: string, ctx: CallContext): Promise<CartDoc> {
    const cart = id ? await this.store.get(id) : null;
    if (!cart) throw CART_ERRORS.notFound(id);
    authorize(cart, proofOf(ctx));
    return cart;
  }

  private async change(id: string, ctx: CallContext | OwnerProof, mutate: (current: CartDoc) => CartDoc, options: { checkoutStep?: boolean; live?: boolean } = {}): Promise<CartAnswer> {
    const { cart: saved, written } = await this.write(id, ctx, mutate, options);
    // Every write renews the cart's time to live, so it is known without asking.
    return this.answer(saved, 'metadata' in ctx ? ctx : undefined, { live: options.live, ...(written ? { ttl: this.store.ttlSeconds } : {}) });
  }

  /**
   * One change to a cart: compare-and-set on its revision, retried when another writer
   * won. `first` is the cart as the caller just read (and authorised) it, tried first.
   */
  private async write(id: string, ctx: CallContext | OwnerProof, mutate: (current: CartDoc) => CartDoc, options: { checkoutStep?: boolean } = {}, first?: CartDoc): Promise<{ cart: CartDoc; written: boolean }> {
    let readFirst = first;
    const result = await writeAtRevision({
      id,
      expectedRevision: null,
      errors: CART_ERRORS,
      // Attempts are two Redis round trips; a burst of tabs may need many before each lands.
      attempts: 50,
      load: async () => {
        if (readFirst) {
          const cart = readFirst;
          readFirst = undefined;
          return cart;
        }
        const cart = await this.store.get(id);
        if (cart) authorize(cart, proofOf(ctx));
        return cart;
      },
      attempt: async (current) => {
        const next = withCustomerGroup(mutate(current), current, ctx);
        if (next === current) return { cart: current, written: false };
        // Checkout steps move the state themselves; everything else needs an open cart.
        if (!options.checkoutStep) assertOpen(current);
        const written = { ...next, revision: current.revision + 1, updatedAt: this.now().toISOString() };
        const outcome = await this.store.replace(written, current.revision);
        if (outcome === 'gone') throw CART_ERRORS.notFound(id);
        return outcome === 'written' ? { cart: written, written: true } : LOST_RACE;
      },
    });
    const saved = result.cart;
    if (saved.customerId) await this.store.touchCustomerCart(saved.customerId, saved.currencyCode, saved.id, saved.state !== 'completed' && saved.state !== 'merged');
    return result;
  }

  /**
   * Freezes the cart for a checkout (the order service, with the shopper's proof of
   * ownership) and returns it priced. Repeating it for the same checkout is
   * harmless; another checkout of the same cart waits for this one to end.
   */
  async beginCheckout(id: string, checkoutId: string, proof: OwnerProof): Promise<CartAnswer> {
    if (checkoutId.trim() === '') new Violations().add('checkout_id', 'is required').throwIfAny();
    return this.change(id, proof, (current) => {
      if (current.state === 'checking_out' && current.checkoutId === checkoutId) return current;
      assertOpen(current);
      return { ...current, state: 'checking_out', checkoutId };
    }, { checkoutStep: true, live: true });
  }

  /** Ends a checkout: completed closes the cart with its order, otherwise it opens again. Idempotent. */
  async endCheckout(id: string, checkoutId: string, outcome: { completed: boolean; orderId: string }): Promise<CartAnswer> {
    return this.change(id, TRUSTED, (current) => {
      if (outcome.completed && current.state === 'completed' && current.checkoutId === checkoutId) return current;
      if (!outcome.completed && current.checkoutId !== checkoutId) return current; // already released (or never ours)
      if (current.state !== 'checking_out' || current.checkoutId !== checkoutId) {
        throw new DomainError('failed_precondition', 'CHECKOUT_MISMATCH', `cart ${id} is not held by checkout ${checkoutId}`, { cart_id: id, checkout_id: checkoutId });
      }
      if (outcome.completed) return { ...current, state: 'completed', orderId: outcome.orderId };
      const reopened: CartDoc = { ...current, state: 'open' };
      delete reopened.checkoutId;
      return reopened;
    }, { checkoutStep: true });
  }

  /** A chosen shipping method must serve the cart's (new or current) address. */
  private async assertShippable(id: string, set: { values: Partial<CartDoc>; cleared: string[] }, ctx: CallContext): Promise<void> {
    const cart = await this.load(id, ctx);
    const address = set.values.shippingAddress ?? (set.cleared.includes('shippingAddress') ? undefined : cart.shippingAddress);
    const field = [{ field: 'shipping_method_id', description: '' }];
    if (!address) throw new DomainError('invalid_argument', 'SHIPPING_ADDRESS_REQUIRED', 'set a shipping address before choosing a shipping method', {}, [{ ...field[0]!, description: 'needs a shipping address on the cart' }]);
    const priced = await priceCart({ ...cart, shippingAddress: address, shippingMethodId: undefined }, { ...this.pricing.cached, shipping: null, stock: null }, ctx);
    const shipping = this.pricing.live.shipping;
    if (!priced.parcel || !shipping) return;
    try {
      await shipping.quote(priced.parcel, set.values.shippingMethodId, ctx);
    } catch (err) {
      const failure = toDomainError(err);
      if (failure.code === 'unavailable' || failure.code === 'internal' || failure.code === 'deadline_exceeded') throw failure;
      throw new DomainError('invalid_argument', 'SHIPPING_METHOD_UNAVAILABLE', failure.message, {}, [{ ...field[0]!, description: `cannot ship this cart: ${failure.message}` }]);
    }
  }

  /** Prices a cart without a caller (events, sweepers). */
  async priceForEvent(cart: CartDoc): Promise<PricedCart> {
    return priceCart(cart, this.pricing.cached);
  }

  /** The cart priced for the caller; `live` for a checkout, which must not see a cached price. */
  private async answer(cart: CartDoc, ctx: CallContext | undefined, known: { ttl?: number; live?: boolean } = {}): Promise<CartAnswer> {
    const sources = known.live ? this.pricing.live : this.pricing.cached;
    const [priced, ttl] = await Promise.all([priceCart(cart, sources, ctx), known.ttl ?? this.store.ttl(cart.id)]);
    return { priced, expiresInSeconds: Math.max(ttl, 0) };
  }
}

/**
 * The cart with its customer's current pricing group (their token's `grp`), when the
 * customer is the one changing it; unchanged otherwise (a guest, the order service).
 */
function withCustomerGroup(next: CartDoc, current: CartDoc, ctx: CallContext | OwnerProof): CartDoc {
  if (next === current || !('metadata' in ctx) || !current.customerId || customerOf(ctx) !== current.customerId) return next;
  const group = ctx.caller?.customerGroup ?? '';
  if ((current.customerGroup ?? '') === group) return next;
  const updated: CartDoc = { ...next, customerGroup: group };
  if (!group) delete updated.customerGroup;
  return updated;
}

/** Refuses adding a line that cannot be bought as the cart would hold it, saying why and which field. */
function assertSellable(line: PricedLine, currencyCode: string): void {
  const { sku } = line;
  switch (line.unavailableReason) {
    case '':
      return;
    case 'NOT_FOUND':
      throw new DomainError('not_found', 'SKU_NOT_FOUND', `no product has SKU ${sku}`, { sku }, [{ field: 'sku', description: 'no product has this SKU' }]);
    case 'NOT_ACTIVE':
      throw new DomainError('failed_precondition', 'NOT_PURCHASABLE', `${sku} cannot be bought now`, { sku }, [{ field: 'sku', description: 'is not for sale now' }]);
    case 'NO_PRICE':
      throw new DomainError('failed_precondition', 'NO_PRICE', `${sku} has no price in ${currencyCode}`, { sku, currency_code: currencyCode }, [{ field: 'sku', description: `has no price in ${currencyCode}` }]);
    case 'OUT_OF_STOCK': {
      const available = line.reservable ?? 0;
      if (available <= 0) throw new DomainError('failed_precondition', 'OUT_OF_STOCK', `${sku} is out of stock`, { sku }, [{ field: 'sku', description: 'is out of stock' }]);
      throw new DomainError('failed_precondition', 'INSUFFICIENT_STOCK', `only ${available} of ${sku} can be ordered`, { sku, available: String(available) }, [{ field: 'quantity', description: `at most ${available} available` }]);
    }
  }
}

/** The signed-in customer behind a call; null for guests and service accounts. */
function customerOf(ctx: CallContext): string | null {
  return ctx.caller?.kind === 'user' ? ctx.caller.userId : null;
}

/**
 * What shows a caller may use a cart: the signed-in customer, or the guest cart's
 * token. The order service passes on the shopper's proof; TRUSTED is for steps of a
 * checkout that already proved it (ending it).
 */
export interface OwnerProof {
  customerId: string | null;
  cartToken: string;
  trusted?: boolean;
}

const TRUSTED: OwnerProof = { customerId: null, cartToken: '', trusted: true };

function proofOf(ctx: CallContext | OwnerProof): OwnerProof {
  if (!('metadata' in ctx)) return ctx;
  const token = ctx.metadata.get(CART_TOKEN_HEADER)[0];
  return { customerId: customerOf(ctx), cartToken: typeof token === 'string' ? token : '' };
}

/**
 * A customer's cart opens for that customer only; a guest cart for its token. A
 * missing token is a 401 (the client forgot it), a wrong one 403; someone else's
 * customer cart is a 404, as if it did not exist.
 */
function authorize(cart: CartDoc, proof: OwnerProof): void {
  if (proof.trusted) return;
  if (cart.customerId) {
    if (proof.customerId === cart.customerId) return;
    throw CART_ERRORS.notFound(cart.id);
  }
  if (proof.cartToken === '') {
    throw new DomainError('unauthenticated', 'CART_TOKEN_REQUIRED', `guest cart ${cart.id} needs its cart token in the ${CART_TOKEN_HEADER} header`, { cart_id: cart.id });
  }
  if (!cart.tokenHash || !tokenMatches(proof.cartToken, cart.tokenHash)) {
    throw new DomainError('permission_denied', 'CART_TOKEN_INVALID', `the cart token does not open cart ${cart.id}`, { cart_id: cart.id });
  }
}

function tokenMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(presented));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Validated UpdateCart fields: values to set, and keys to clear. */
function validateDetails(patch: CartDetailsPatch): { values: Partial<CartDoc>; cleared: Array<'email' | 'shippingAddress' | 'billingAddress' | 'shippingMethodId'> } {
  const v = new Violations();
  const values: Partial<CartDoc> = {};
  const cleared: Array<'email' | 'shippingAddress' | 'billingAddress' | 'shippingMethodId'> = [];
  if (patch.email !== undefined) {
    const email = patch.email.trim().toLowerCase();
    if (email === '') cleared.push('email');
    else if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) v.add('email', 'must be an email address');
    else values.email = email;
  }
  for (const [field, key] of [['shipping_address', 'shippingAddress'], ['billing_address', 'billingAddress']] as const) {
    const address = patch[key];
    if (address === undefined) continue;
    if (address === null) {
      cleared.push(key);
      continue;
    }
    try {
      values[key] = validateAddress(address) satisfies AddressDoc;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      for (const violation of err.fieldViolations) v.add(`${field}.${violation.field}`, violation.description);
    }
  }
  if (patch.shippingMethodId !== undefined) {
    const method = patch.shippingMethodId.trim();
    if (method === '') cleared.push('shippingMethodId');
    else if (method.length > 100) v.add('shipping_method_id', 'must be at most 100 characters');
    else values.shippingMethodId = method;
  }
  v.throwIfAny();
  return { values, cleared };
}
