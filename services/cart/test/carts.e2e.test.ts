import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CartServiceService, CartState } from '../../../gen/shop/cart/v1/cart_service.js';
import { createServiceClient, type ServiceClient } from '../../platform/src/grpc/client.js';
import { toDomainError } from '../../platform/src/errors.js';
import { admin, api, errorReason, login, newCustomer, stockUp, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';

const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });
const money = (m: { amountMinor: string | number } | undefined) => Number(m?.amountMinor ?? 0);

async function product(fields: Record<string, unknown> = {}): Promise<{ id: string; sku: string }> {
  const res = await api('POST', '/v1/products', {
    token: await admin(),
    json: { name: 'Espresso cup', sku: uniqueSku('CUP'), price: eur(1000), status: 'PRODUCT_STATUS_ACTIVE', ...fields },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  if (res.body.status === 'PRODUCT_STATUS_ACTIVE') await stockUp(res.body.sku, 100);
  return res.body;
}

/** A guest cart and the header that opens it. */
async function guestCart(currencyCode = 'EUR'): Promise<{ id: string; headers: Record<string, string>; body: any }> {
  const res = await api('POST', '/v1/carts', { json: { currencyCode } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.cartToken, 'a guest cart comes with its token');
  return { id: res.body.id, headers: { 'x-cart-token': res.body.cartToken }, body: res.body };
}

async function addLine(cartId: string, headers: Record<string, string>, sku: string, quantity: number, extra: Record<string, unknown> = {}) {
  return api('POST', `/v1/carts/${cartId}/lines`, { headers, json: { sku, quantity, ...extra } });
}

describe('guest carts through the edge', () => {
  test('a new cart is empty, open, in its currency, with a token shown once', async () => {
    const cart = await guestCart();
    assert.equal(cart.body.state, 'CART_STATE_OPEN');
    assert.equal(cart.body.currencyCode, 'EUR');
    assert.equal(money(cart.body.grandTotal), 0);
    assert.ok(new Date(cart.body.expireTime).getTime() > Date.now() + 86_400_000, 'expires after days of inactivity');
    const read = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    assert.equal(read.status, 200);
    assert.equal(read.body.cartToken ?? '', '', 'the token is never shown again');
  });

  test('the cart token is required, and must be the right one', async () => {
    const cart = await guestCart();
    const none = await api('GET', `/v1/carts/${cart.id}`);
    assert.equal(none.status, 401);
    assert.equal(errorReason(none.body), 'CART_TOKEN_REQUIRED');
    const wrong = await api('GET', `/v1/carts/${cart.id}`, { headers: { 'x-cart-token': 'not-the-token' } });
    assert.equal(wrong.status, 403);
    assert.equal(errorReason(wrong.body), 'CART_TOKEN_INVALID');
    const other = await guestCart();
    const crossed = await addLine(cart.id, other.headers, (await product()).sku, 1);
    assert.equal(crossed.status, 403, 'another cart\'s token opens nothing here');
    const unknown = await api('GET', `/v1/carts/${randomUUID()}`, { headers: cart.headers });
    assert.equal(unknown.status, 404);
  });

  test('bad currency is a 400 naming currency_code', async () => {
    const res = await api('POST', '/v1/carts', { json: { currencyCode: 'EURO' } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['currency_code']);
  });

  test('adding, raising, changing and removing lines, with prices and totals from the catalog', async () => {
    const cup = await product({ price: eur(1250) });
    const saucer = await product({ name: 'Saucer', price: eur(399) });
    const cart = await guestCart();
    let res = await addLine(cart.id, cart.headers, cup.sku, 2);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const lineId = res.body.lines[0].id;
    assert.equal(res.body.lines[0].productName, 'Espresso cup');
    assert.equal(money(res.body.lines[0].unitPrice), 1250);
    assert.equal(money(res.body.lines[0].lineTotal), 2500);
    res = await addLine(cart.id, cart.headers, cup.sku, 1);
    assert.equal(res.body.lines.length, 1, 'the same SKU raises its line');
    assert.equal(res.body.lines[0].id, lineId);
    assert.equal(res.body.lines[0].quantity, 3);
    res = await addLine(cart.id, cart.headers, saucer.sku, 2);
    assert.equal(money(res.body.subtotal), 3 * 1250 + 2 * 399);
    assert.equal(money(res.body.grandTotal), 3 * 1250 + 2 * 399);
    assert.equal(res.body.itemCount, 5);
    assert.equal(res.body.purchasable, true);
    res = await api('PATCH', `/v1/carts/${cart.id}/lines/${lineId}`, { headers: cart.headers, json: { quantity: 1 } });
    assert.equal(res.status, 200);
    assert.equal(money(res.body.subtotal), 1250 + 2 * 399);
    res = await api('DELETE', `/v1/carts/${cart.id}/lines/${lineId}`, { headers: cart.headers });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.lines.map((l: any) => l.sku), [saucer.sku]);
    const gone = await api('DELETE', `/v1/carts/${cart.id}/lines/${lineId}`, { headers: cart.headers });
    assert.equal(gone.status, 404);
    assert.equal(errorReason(gone.body), 'CART_LINE_NOT_FOUND');
  });

  test('what cannot be bought is refused with the reason and the field', async () => {
    const cart = await guestCart();
    const unknown = await addLine(cart.id, cart.headers, 'NO-SUCH-SKU-123', 1);
    assert.equal(unknown.status, 404);
    assert.deepEqual(violatedFields(unknown.body), ['sku']);
    const draft = await product({ status: 'PRODUCT_STATUS_DRAFT' });
    const notForSale = await addLine(cart.id, cart.headers, draft.sku, 1);
    assert.equal(errorReason(notForSale.body), 'NOT_PURCHASABLE');
    const usd = await guestCart('USD');
    const noPrice = await addLine(usd.id, usd.headers, (await product()).sku, 1);
    assert.equal(errorReason(noPrice.body), 'NO_PRICE');
    const bad = await addLine(cart.id, cart.headers, '', 0);
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['quantity', 'sku']);
    const tooMany = await addLine(cart.id, cart.headers, (await product()).sku, 100);
    assert.equal(errorReason(tooMany.body), 'CART_LIMIT');
    const read = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    assert.deepEqual(read.body.lines ?? [], [], 'nothing was added by the refused calls');
  });

  test('stock decides: nothing in stock is refused, more than is available is refused naming quantity', async () => {
    const none = uniqueSku('NONE');
    await api('POST', '/v1/products', { token: await admin(), json: { name: 'Rare cup', sku: none, price: eur(900), status: 'PRODUCT_STATUS_ACTIVE' } });
    const cart = await guestCart();
    const out = await addLine(cart.id, cart.headers, none, 1);
    assert.equal(errorReason(out.body), 'OUT_OF_STOCK');
    await stockUp(none, 2);
    assert.equal((await addLine(cart.id, cart.headers, none, 2)).status, 200);
    const more = await addLine(cart.id, cart.headers, none, 1);
    assert.equal(errorReason(more.body), 'INSUFFICIENT_STOCK');
    assert.deepEqual(violatedFields(more.body), ['quantity']);
  });

  test('a line whose product is archived later stays, flagged, and counts nothing', async () => {
    const cup = await product({ price: eur(500) });
    const cart = await guestCart();
    await addLine(cart.id, cart.headers, cup.sku, 1);
    const archived = await api('PATCH', `/v1/products/${cup.id}?updateMask=status`, { token: await admin(), json: { status: 'PRODUCT_STATUS_ARCHIVED' } });
    assert.equal(archived.status, 200, JSON.stringify(archived.body));
    // Carts learn it from the catalog's event (within seconds; cart-caches.e2e.test.ts).
    let read = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    for (const until = Date.now() + 5_000; read.body.lines[0].unavailableReason !== 'NOT_ACTIVE' && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      read = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    }
    assert.equal(read.body.lines[0].purchasable ?? false, false);
    assert.equal(read.body.lines[0].unavailableReason, 'NOT_ACTIVE');
    assert.equal(money(read.body.grandTotal), 0);
    assert.equal(read.body.purchasable ?? false, false);
  });

  test('concurrent adds from two tabs all land (no lost update)', async () => {
    const cup = await product();
    const cart = await guestCart();
    const results = await Promise.all(Array.from({ length: 12 }, () => addLine(cart.id, cart.headers, cup.sku, 1)));
    assert.deepEqual(results.map((r) => r.status), results.map(() => 200));
    const read = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    assert.equal(read.body.lines.length, 1);
    assert.equal(read.body.lines[0].quantity, 12);
  });

  test('an add retried with its idempotency key, even in parallel, adds once', async () => {
    const cup = await product();
    const cart = await guestCart();
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => addLine(cart.id, cart.headers, cup.sku, 2, { idempotencyKey: key })));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
    const read = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    assert.equal(read.body.lines[0].quantity, 2);
  });
});

describe('cart details and tax', () => {
  const country = 'NL';
  before(async () => {
    // NL at 21% with tax-inclusive prices; the US with 7.25% added in California only.
    for (const rule of [
      { countryCode: country, rateBps: 2100, pricesIncludeTax: true, taxShipping: true, name: 'BTW' },
      { countryCode: 'US', region: 'CA', rateBps: 725, pricesIncludeTax: false, taxShipping: false, name: 'Sales tax' },
    ]) {
      const res = await api('POST', '/v1/tax-rules', { token: await admin(), json: rule });
      assert.ok(res.status === 200 || errorReason(res.body) === 'TAX_RULE_EXISTS', JSON.stringify(res.body));
    }
  });

  test('tax rules are staff work, one per place', async () => {
    const customer = await newCustomer();
    const denied = await api('POST', '/v1/tax-rules', { token: customer.token, json: { countryCode: 'BE', rateBps: 2100 } });
    assert.equal(denied.status, 403);
    const twice = await api('POST', '/v1/tax-rules', { token: await admin(), json: { countryCode: country, rateBps: 900 } });
    assert.equal(twice.status, 409);
    assert.equal(errorReason(twice.body), 'TAX_RULE_EXISTS');
    const bad = await api('POST', '/v1/tax-rules', { token: await admin(), json: { countryCode: 'XX', rateBps: -1 } });
    assert.deepEqual(violatedFields(bad.body), ['tax_rule.country_code', 'tax_rule.rate_bps']);
    const list = await api('GET', `/v1/tax-rules?countryCode=${country}`, { token: await admin() });
    assert.deepEqual(list.body.taxRules.map((r: any) => r.rateBps), [2100]);
  });

  test('tax-inclusive destination: tax shown as included; tax-exclusive: added per line, rounded half up', async () => {
    const cup = await product({ price: { currencyCode: 'USD', amountMinor: 1999 } });
    const res0 = await api('POST', '/v1/carts', { json: { currencyCode: 'USD' } });
    const cart = { id: res0.body.id, headers: { 'x-cart-token': res0.body.cartToken } };
    await addLine(cart.id, cart.headers, cup.sku, 1);
    const ca = await api('PATCH', `/v1/carts/${cart.id}`, {
      headers: cart.headers,
      json: { email: 'Ann@Example.com', shippingAddress: { fullName: 'Ann', line1: '1 Market St', city: 'San Francisco', region: 'CA', postalCode: '94105', countryCode: 'US' } },
    });
    assert.equal(ca.status, 200, JSON.stringify(ca.body));
    assert.equal(ca.body.email, 'ann@example.com');
    assert.equal(money(ca.body.taxTotal), 145, '7.25% of 19.99 = 1.449 -> 1.45');
    assert.equal(money(ca.body.grandTotal), 1999 + 145);
    assert.equal(ca.body.lines[0].taxRateBps, 725);

    const eurCup = await product({ price: eur(1210) });
    const nl = await guestCart();
    await addLine(nl.id, nl.headers, eurCup.sku, 1);
    const res = await api('PATCH', `/v1/carts/${nl.id}`, {
      headers: nl.headers,
      json: { shippingAddress: { fullName: 'Bo', line1: 'Damrak 1', city: 'Amsterdam', postalCode: '1012lg', countryCode: 'nl' } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.shippingAddress.postalCode, '1012 LG', 'addresses are normalised');
    assert.equal(money(res.body.includedTaxTotal), 210, '21% contained in 12.10');
    assert.equal(money(res.body.taxTotal), 0);
    assert.equal(money(res.body.grandTotal), 1210);
  });

  test('a price list that says its prices contain tax wins over a net destination rule', async () => {
    const sku = uniqueSku('GROSS');
    const created = await api('POST', '/v1/products', { token: await admin(), json: { name: 'Gross-priced lamp', sku, price: { currencyCode: 'USD', amountMinor: 2500 }, status: 'PRODUCT_STATUS_ACTIVE' } });
    assert.equal(created.status, 200);
    await stockUp(sku, 5);
    const list = await api('POST', '/v1/price-lists', { token: await admin(), json: { name: `Gross USD ${sku}`, currencyCode: 'USD', taxMode: 'PRICE_TAX_MODE_INCLUSIVE' } });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.taxMode, 'PRICE_TAX_MODE_INCLUSIVE');
    const tiers = await api('POST', `/v1/price-lists/${list.body.id}/tiers:set`, { token: await admin(), json: { tiers: [{ sku, minQuantity: 1, unitPrice: { currencyCode: 'USD', amountMinor: 2145 } }] } });
    assert.equal(tiers.status, 200, JSON.stringify(tiers.body));
    const res0 = await api('POST', '/v1/carts', { json: { currencyCode: 'USD' } });
    const headers = { 'x-cart-token': res0.body.cartToken };
    await addLine(res0.body.id, headers, sku, 1);
    const ca = await api('PATCH', `/v1/carts/${res0.body.id}`, {
      headers,
      json: { shippingAddress: { fullName: 'Ann', line1: '1 Market St', city: 'San Francisco', region: 'CA', postalCode: '94105', countryCode: 'US' } },
    });
    assert.equal(money(ca.body.lines[0].unitPrice), 2145);
    assert.equal(money(ca.body.includedTaxTotal), 145, '7.25% contained in 21.45 (net 20.00)');
    assert.equal(money(ca.body.taxTotal), 0);
    assert.equal(money(ca.body.grandTotal), 2145);
  });

  test('bad details name their fields and change nothing', async () => {
    const cart = await guestCart();
    const res = await api('PATCH', `/v1/carts/${cart.id}`, {
      headers: cart.headers,
      json: { email: 'not-an-email', shippingAddress: { fullName: 'Ann', line1: 'x', city: 'Berlin', postalCode: '123', countryCode: 'DE' } },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['email', 'shipping_address.postal_code']);
    const read = await api('GET', `/v1/carts/${cart.id}`, { headers: cart.headers });
    assert.equal(read.body.email ?? '', '');
    assert.equal(read.body.etag, '"1"');
  });
});

describe('customer carts', () => {
  test('a customer has one open cart per currency and nobody else sees it', async () => {
    const ann = await newCustomer();
    const first = await api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } });
    assert.equal(first.status, 200);
    assert.equal(first.body.cartToken ?? '', '', 'customer carts need no token');
    assert.equal(first.body.customerId, ann.id);
    const again = await Promise.all([1, 2, 3].map(() => api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } })));
    assert.deepEqual(new Set(again.map((r) => r.body.id)), new Set([first.body.id]));
    const bob = await newCustomer();
    assert.equal((await api('GET', `/v1/carts/${first.body.id}`, { token: bob.token })).status, 404);
    assert.equal((await api('GET', `/v1/carts/${first.body.id}`)).status, 404, 'a guest without the customer\'s token sees nothing either');
  });

  test('a customer in a pricing group sees the group\'s prices; a guest sees the regular ones', async () => {
    const cup = await product({ price: eur(1000) });
    const group = `wholesale-${randomUUID().slice(0, 6)}`;
    const list = await api('POST', '/v1/price-lists', { token: await admin(), json: { name: `Group ${group}`, currencyCode: 'EUR', customerGroup: group, priority: 10 } });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    await api('POST', `/v1/price-lists/${list.body.id}/tiers:set`, { token: await admin(), json: { tiers: [{ sku: cup.sku, minQuantity: 1, unitPrice: eur(700) }] } });
    const ann = await newCustomer();
    const grouped = await api('PATCH', `/v1/users/${ann.id}?updateMask=customerGroup`, { token: await admin(), json: { customerGroup: group } });
    assert.equal(grouped.status, 200, JSON.stringify(grouped.body));
    assert.equal(grouped.body.customerGroup, group);
    const { access_token: token } = await login(ann.email, ann.password); // the new group rides in the next token
    const cart = await api('POST', '/v1/carts', { token, json: { currencyCode: 'EUR' } });
    const added = await api('POST', `/v1/carts/${cart.body.id}/lines`, { token, json: { sku: cup.sku, quantity: 1 } });
    assert.equal(money(added.body.lines[0].unitPrice), 700);
    const guest = await guestCart();
    const guestLine = await addLine(guest.id, guest.headers, cup.sku, 1);
    assert.equal(money(guestLine.body.lines[0].unitPrice), 1000);
    const bad = await api('PATCH', `/v1/users/${ann.id}?updateMask=customerGroup`, { token: await admin(), json: { customerGroup: 'Not A Group!' } });
    assert.deepEqual(violatedFields(bad.body), ['customer_group']);
  });

  test('a customer fills the cart from their address book; a guest or a wrong id cannot', async () => {
    const ann = await newCustomer();
    const saved = await api('POST', '/v1/users/me/addresses', { token: ann.token, json: { fullName: 'Ann Book', line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CJ', countryCode: 'NL' } });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const cart = await api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } });
    const filled = await api('PATCH', `/v1/carts/${cart.body.id}`, { token: ann.token, json: { shippingAddressId: saved.body.id, billingAddressId: saved.body.id } });
    assert.equal(filled.status, 200, JSON.stringify(filled.body));
    assert.equal(filled.body.shippingAddress.line1, 'Keizersgracht 1');
    assert.equal(filled.body.billingAddress.fullName, 'Ann Book');
    const wrong = await api('PATCH', `/v1/carts/${cart.body.id}`, { token: ann.token, json: { shippingAddressId: '000000000000000000000000' } });
    assert.deepEqual(violatedFields(wrong.body), ['shipping_address_id']);
    const guest = await guestCart();
    const anonymous = await api('PATCH', `/v1/carts/${guest.id}`, { headers: guest.headers, json: { shippingAddressId: saved.body.id } });
    assert.equal(anonymous.status, 401);
  });

  test('on login the guest cart merges into the customer cart, once', async () => {
    const cup = await product();
    const saucer = await product({ name: 'Saucer' });
    const ann = await newCustomer();
    const own = await api('POST', '/v1/carts', { token: ann.token, json: { currencyCode: 'EUR' } });
    await api('POST', `/v1/carts/${own.body.id}/lines`, { token: ann.token, json: { sku: cup.sku, quantity: 1 } });
    const guest = await guestCart();
    await addLine(guest.id, guest.headers, cup.sku, 2);
    await addLine(guest.id, guest.headers, saucer.sku, 1);
    const merges = await Promise.all([1, 2, 3].map(() => api('POST', `/v1/carts/${guest.id}:merge`, { token: ann.token, headers: guest.headers, json: {} })));
    for (const m of merges) assert.equal(m.status, 200, JSON.stringify(m.body));
    const read = await api('GET', `/v1/carts/${own.body.id}`, { token: ann.token });
    assert.deepEqual(read.body.lines.map((l: any) => [l.sku, l.quantity]), [[cup.sku, 3], [saucer.sku, 1]]);
    const closed = await api('GET', `/v1/carts/${guest.id}`, { headers: guest.headers });
    assert.equal(closed.body.state, 'CART_STATE_MERGED');
    const late = await addLine(guest.id, guest.headers, cup.sku, 1);
    assert.equal(errorReason(late.body), 'CART_CLOSED');
    const noToken = await api('POST', `/v1/carts/${(await guestCart()).id}:merge`, { token: ann.token, json: {} });
    assert.equal(noToken.status, 401, 'merging needs the guest cart\'s token');
  });
});

describe('checkout hold (internal, for the order service)', () => {
  let client: ServiceClient<typeof CartServiceService>;
  before(() => {
    const address = process.env['SHOP_CART_ADDR'];
    assert.ok(address, 'the test stack sets SHOP_CART_ADDR');
    client = createServiceClient(CartServiceService, { name: 'cart-test', address });
  });
  after(() => client.close());

  const reasonOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return toDomainError(err).reason;
    }
    return 'no error';
  };

  test('needs carts.checkout: a customer cannot freeze carts', async () => {
    const customer = await newCustomer();
    const cart = await guestCart();
    const reason = await reasonOf(client.beginCheckout({ cartId: cart.id, checkoutId: 'c1', cartToken: cart.headers['x-cart-token']!, customerId: '' }, { token: customer.token }));
    assert.equal(reason, 'PERMISSION_REQUIRED');
  });

  test('a checkout freezes the cart; release opens it; completion closes it for good', async () => {
    const token = await admin();
    const cup = await product();
    const cart = await guestCart();
    await addLine(cart.id, cart.headers, cup.sku, 2);
    const cartToken = cart.headers['x-cart-token']!;
    assert.equal(await reasonOf(client.beginCheckout({ cartId: cart.id, checkoutId: 'c1', cartToken: 'wrong', customerId: '' }, { token })), 'CART_TOKEN_INVALID');
    const frozen = await client.beginCheckout({ cartId: cart.id, checkoutId: 'c1', cartToken, customerId: '' }, { token });
    assert.equal(frozen.state, CartState.CART_STATE_CHECKING_OUT);
    assert.equal(frozen.grandTotal?.amountMinor, 2000);
    const repeat = await client.beginCheckout({ cartId: cart.id, checkoutId: 'c1', cartToken, customerId: '' }, { token });
    assert.equal(repeat.etag, frozen.etag, 'repeating the same checkout changes nothing');
    assert.equal(await reasonOf(client.beginCheckout({ cartId: cart.id, checkoutId: 'c2', cartToken, customerId: '' }, { token })), 'CHECKOUT_IN_PROGRESS');
    assert.equal(errorReason((await addLine(cart.id, cart.headers, cup.sku, 1)).body), 'CHECKOUT_IN_PROGRESS');

    const released = await client.endCheckout({ cartId: cart.id, checkoutId: 'c1', completed: false, orderId: '' }, { token });
    assert.equal(released.state, CartState.CART_STATE_OPEN);
    assert.equal(released.lines[0]?.quantity, 2, 'a failed checkout keeps the cart');
    assert.equal((await addLine(cart.id, cart.headers, cup.sku, 1)).status, 200);

    await client.beginCheckout({ cartId: cart.id, checkoutId: 'c2', cartToken, customerId: '' }, { token });
    const done = await client.endCheckout({ cartId: cart.id, checkoutId: 'c2', completed: true, orderId: 'order-1' }, { token });
    assert.equal(done.state, CartState.CART_STATE_COMPLETED);
    assert.equal(done.orderId, 'order-1');
    const again = await client.endCheckout({ cartId: cart.id, checkoutId: 'c2', completed: true, orderId: 'order-1' }, { token });
    assert.equal(again.etag, done.etag, 'completing twice is harmless');
    assert.equal(errorReason((await addLine(cart.id, cart.headers, cup.sku, 1)).body), 'CART_CLOSED');
  });
});
