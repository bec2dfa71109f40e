import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import Stripe from 'stripe';
import { PaymentAuthorised, PaymentCaptured } from '../../../gen/shop/payment/v1/events.js';
import { AuthorisePaymentRequest, PaymentServiceService, type Payment } from '../../../gen/shop/payment/v1/payment_service.js';
import { createServiceClient, type ServiceClient } from '../../platform/src/grpc/client.js';
import { admin, api, errorReason, newCustomer } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';

const signer = new Stripe('sk_test_signing_only');
const sign = (payload: string, secret: string) => signer.webhooks.generateTestHeaderString({ payload, secret });
const env = (name: string) => {
  const value = process.env[name];
  assert.ok(value, `the test stack sets ${name}`);
  return value;
};

/** PaymentIntent creates stripe-mock has answered so far (its verbose log lists each request). */
function stripeIntentCreates(): number {
  const log = readFileSync(join(env('SHOP_TEST_WORKDIR'), 'stripe-mock.log'), 'utf8');
  return log.split('\n').filter((line) => /^Request: POST \/v1\/payment_intents$/.test(line.trim())).length;
}

let client: ServiceClient<typeof PaymentServiceService>;
let checkout: string; // the order service's service account token
let staff: string;

before(async () => {
  client = createServiceClient(PaymentServiceService, { name: 'payment-test', address: env('SHOP_PAYMENT_ADDR') });
  staff = await admin();
  const account = await api('POST', '/v1/service-accounts', { token: staff, json: { name: `checkout ${randomUUID().slice(0, 6)}`, scopes: ['payments.authorise', 'payments.manage'] } });
  assert.equal(account.status, 200, JSON.stringify(account.body));
  const token = await api('POST', '/v1/oauth/token', { form: { grant_type: 'client_credentials', client_id: account.body.clientId, client_secret: account.body.clientSecret } });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  checkout = token.body.access_token;
});
after(() => client.close());

const authorise = (req: Partial<AuthorisePaymentRequest>, token = checkout) =>
  client.authorisePayment(AuthorisePaymentRequest.fromPartial({ idempotencyKey: `order-${randomUUID()}`, orderId: `ord_${randomUUID().slice(0, 8)}`, amount: { currencyCode: 'EUR', amountMinor: 10_000 }, provider: 'test', paymentMethodToken: 'tok_test_success', ...req }), { token });

const act = (id: string, verb: string, body: Record<string, unknown> = {}, token = staff) =>
  api('POST', `/v1/payments/${id}:${verb}`, { token, json: { idempotencyKey: `${verb}-${randomUUID()}`, ...body } });

const money = (p: { amountMinor: number | string; currencyCode: string }) => `${p.amountMinor} ${p.currencyCode}`;

describe('payments against stripe-mock', () => {
  test('authorise -> capture -> partial refund -> refund, and no refund beyond what was captured', async () => {
    const payment = await authorise({ provider: 'stripe', paymentMethodToken: 'pm_card_visa' });
    assert.equal(payment.state, 2, 'authorised'); // PAYMENT_STATE_AUTHORISED
    assert.match(payment.providerReference, /^pi_/);
    const captured = await act(payment.id, 'capture', { amount: { currencyCode: 'EUR', amountMinor: 8_000 } });
    assert.equal(captured.status, 200, JSON.stringify(captured.body));
    assert.equal(captured.body.state, 'PAYMENT_STATE_CAPTURED');
    assert.equal(money(captured.body.captured), '8000 EUR');
    const partial = await act(payment.id, 'refund', { amount: { currencyCode: 'EUR', amountMinor: 3_000 }, reason: 'one cup broke' });
    assert.equal(partial.body.state, 'PAYMENT_STATE_PARTIALLY_REFUNDED', JSON.stringify(partial.body));
    const over = await act(payment.id, 'refund', { amount: { currencyCode: 'EUR', amountMinor: 5_001 } });
    assert.equal(over.status, 400);
    assert.equal(errorReason(over.body), 'REFUND_EXCEEDS_CAPTURED');
    const rest = await act(payment.id, 'refund', {});
    assert.equal(rest.body.state, 'PAYMENT_STATE_REFUNDED');
    assert.equal(money(rest.body.refunded), '8000 EUR');
    const detail = await api('GET', `/v1/payments/${payment.id}`, { token: staff });
    assert.deepEqual(detail.body.transactions.map((t: { kind: string; amount: { amountMinor: string } }) => `${t.kind.replace('TRANSACTION_KIND_', '')} ${t.amount.amountMinor}`), ['AUTHORISATION 10000', 'CAPTURE 8000', 'REFUND 3000', 'REFUND 5000']);
    const events = await eventsMatching('SHOP_PAYMENT', 'shop.payment.captured', PaymentCaptured.decode, (e) => e.payment?.id === payment.id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.payment?.orderId, payment.orderId, 'the event carries the order id');
  });

  test('the same idempotency key five times in parallel charges once', async () => {
    const before = stripeIntentCreates();
    const req = { idempotencyKey: `order-${randomUUID()}`, provider: 'stripe', paymentMethodToken: 'pm_card_visa', orderId: `ord_${randomUUID().slice(0, 8)}` };
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 5 }, () => authorise(req)));
    const elapsed = Date.now() - started;
    assert.equal(new Set(results.map((p) => p.id)).size, 1, 'one payment');
    // The log reaches the file a moment after the answer: wait for the first create, then for any stragglers.
    const deadline = Date.now() + 5_000;
    while (stripeIntentCreates() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(stripeIntentCreates() - before, 1, 'stripe-mock saw one PaymentIntent create');
    const listed = await api('GET', `/v1/payments?orderId=${req.orderId}`, { token: staff });
    assert.equal(listed.body.payments.length, 1);
    process.stdout.write(`# 5 parallel authorisations with one key: ${elapsed} ms, 1 PaymentIntent\n`);
  });

  test('the same key with another amount fails naming the key, and changes nothing', async () => {
    const key = `order-${randomUUID()}`;
    const first = await authorise({ idempotencyKey: key, orderId: 'ord_same', provider: 'stripe', paymentMethodToken: 'pm_card_visa' });
    await assert.rejects(authorise({ idempotencyKey: key, orderId: 'ord_same', provider: 'stripe', paymentMethodToken: 'pm_card_visa', amount: { currencyCode: 'EUR', amountMinor: 10_001 } }), (err: { code?: number; details?: string }) => {
      assert.equal(err.code, status.FAILED_PRECONDITION);
      assert.match(String(err.details), new RegExp(key));
      return true;
    });
    const again = await authorise({ idempotencyKey: key, orderId: 'ord_same', provider: 'stripe', paymentMethodToken: 'pm_card_visa' });
    assert.equal(again.id, first.id);
  });

  test('JPY and KWD amounts round-trip exactly', async () => {
    const yen = await authorise({ provider: 'stripe', paymentMethodToken: 'pm_card_visa', amount: { currencyCode: 'JPY', amountMinor: 1234 } });
    assert.deepEqual(yen.amount, { currencyCode: 'JPY', amountMinor: 1234 });
    const dinar = await authorise({ amount: { currencyCode: 'KWD', amountMinor: 12_345 } });
    const read = await api('GET', `/v1/payments/${dinar.id}`, { token: staff });
    assert.deepEqual(read.body.amount, { currencyCode: 'KWD', amountMinor: '12345' });
    const currencies = await api('GET', '/v1/currencies');
    const exponent = (code: string) => currencies.body.currencies.find((c: { code: string }) => c.code === code)?.exponent;
    assert.deepEqual([exponent('JPY'), exponent('EUR'), exponent('KWD'), exponent('KRW'), exponent('BHD')], [0, 2, 3, 0, 3]);
    await assert.rejects(authorise({ amount: { currencyCode: 'XTS', amountMinor: 5 } }), (err: { code?: number }) => err.code === status.INVALID_ARGUMENT);
  });
});

describe('Stripe webhooks', () => {
  const deliver = (body: string, signature: string) =>
    fetch(`${env('SHOP_EDGE_URL')}/v1/payments/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
  const event = (type: string, intent: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type, data: { object: { id: intent, object: 'payment_intent', amount_received: 10_000, ...extra } } });

  test('a bad signature is refused with 400 and changes nothing; a good one captures; duplicates and late events are harmless', async () => {
    const payment = await authorise({ provider: 'stripe', paymentMethodToken: 'pm_card_visa' });
    const succeeded = event('payment_intent.succeeded', payment.providerReference);
    const forged = await deliver(succeeded, sign(succeeded, 'whsec_not_the_secret'));
    assert.equal(forged.status, 400);
    assert.equal(((await forged.json()) as { details: Array<{ reason?: string }> }).details.find((d: { reason?: string }) => d.reason)?.reason, 'WEBHOOK_SIGNATURE_INVALID');
    assert.equal((await deliver(succeeded, '')).status, 400);
    assert.equal((await client.getPayment({ paymentId: payment.id }, { token: staff })).state, 2, 'still authorised');

    const good = await deliver(succeeded, sign(succeeded, env('SHOP_STRIPE_WEBHOOK_SECRET')));
    assert.equal(good.status, 200, await good.clone().text());
    const twice = await deliver(succeeded, sign(succeeded, env('SHOP_STRIPE_WEBHOOK_SECRET')));
    assert.equal(twice.status, 200);
    const late = event('payment_intent.amount_capturable_updated', payment.providerReference);
    assert.equal((await deliver(late, sign(late, env('SHOP_STRIPE_WEBHOOK_SECRET')))).status, 200);
    const after: Payment = await client.getPayment({ paymentId: payment.id }, { token: staff });
    assert.equal(after.state, 3, 'captured');
    assert.deepEqual(after.transactions.map((t) => t.kind), [2, 3], 'one authorisation, one capture');
    const captured = await eventsMatching('SHOP_PAYMENT', 'shop.payment.captured', PaymentCaptured.decode, (e) => e.payment?.id === payment.id);
    assert.equal(captured.length, 1);
  });
});

describe('Stripe webhooks, raw bodies', () => {
  test('the body reaches the service byte for byte: odd whitespace and non-ASCII still verify', async () => {
    const payment = await authorise({ provider: 'stripe', paymentMethodToken: 'pm_card_visa' });
    const body = `{\n  "id" : "evt_${randomUUID().replace(/-/g, '')}",  "object":"event",\t"type":"payment_intent.canceled",\n  "data":{"object":{"id":"${payment.providerReference}","object":"payment_intent","description":"Bestellung für Zoë – 注文"}}}\n\n`;
    const res = await fetch(`${env('SHOP_EDGE_URL')}/v1/payments/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': sign(body, env('SHOP_STRIPE_WEBHOOK_SECRET')) }, body });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await client.getPayment({ paymentId: payment.id }, { token: staff })).state, 7, 'voided');
  });
});

describe('the sandbox provider', () => {
  test('declines, and requires action until a signed webhook authorises', async () => {
    const declined = await authorise({ paymentMethodToken: 'tok_test_decline' });
    assert.equal(declined.state, 6, 'failed');
    assert.equal(declined.failureCode, 'card_declined');
    const waiting = await authorise({ paymentMethodToken: 'tok_test_requires_action' });
    assert.equal(waiting.state, 1, 'requires action');
    assert.match(waiting.nextActionUrl, /^https:\/\//);
    const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'action_succeeded', reference: waiting.providerReference });
    const res = await fetch(`${env('SHOP_EDGE_URL')}/v1/payments/webhooks/test`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': sign(body, env('SHOP_PAYMENT_TEST_WEBHOOK_SECRET')) }, body });
    assert.equal(res.status, 200);
    assert.equal((await client.getPayment({ paymentId: waiting.id }, { token: staff })).state, 2, 'authorised');
    const events = await eventsMatching('SHOP_PAYMENT', 'shop.payment.authorised', PaymentAuthorised.decode, (e) => e.payment?.id === waiting.id);
    assert.equal(events[0]?.event.payment?.orderId, waiting.orderId);
  });

  test('two racing refunds cannot exceed the captured amount', async () => {
    const payment = await authorise({});
    assert.equal((await act(payment.id, 'capture')).body.state, 'PAYMENT_STATE_CAPTURED');
    const results = await Promise.all(Array.from({ length: 5 }, () => act(payment.id, 'refund', { amount: { currencyCode: 'EUR', amountMinor: 4_000 } })));
    const ok = results.filter((r) => r.status === 200).length;
    assert.ok(results.every((r) => [200, 400, 409].includes(r.status)), JSON.stringify(results.map((r) => r.status)));
    const stored: Payment = await client.getPayment({ paymentId: payment.id }, { token: staff });
    assert.equal(stored.refunded?.amountMinor, ok * 4_000);
    assert.ok(stored.refunded!.amountMinor <= 10_000);
    // Once the dust settles, exactly what is left can be refunded and no more.
    const left = 10_000 - stored.refunded!.amountMinor;
    if (left > 0) assert.equal((await act(payment.id, 'refund', { amount: { currencyCode: 'EUR', amountMinor: left + 1 } })).status, 400);
  });

  test('a retried capture returns the stored answer and captures once', async () => {
    const payment = await authorise({});
    const key = `capture-${randomUUID()}`;
    const [a, b] = await Promise.all([act(payment.id, 'capture', { idempotencyKey: key }), act(payment.id, 'capture', { idempotencyKey: key })]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.equal(a.body.transactions.length, b.body.transactions.length);
    const stored: Payment = await client.getPayment({ paymentId: payment.id }, { token: staff });
    assert.equal(stored.transactions.filter((t) => t.kind === 3).length, 1);
  });

  test('a capture racing a void: exactly one wins and the record agrees with it', async () => {
    for (let round = 0; round < 5; round++) {
      const payment = await authorise({});
      const [capture, voided] = await Promise.all([act(payment.id, 'capture'), act(payment.id, 'void')]);
      const winners = [capture, voided].filter((r) => r.status === 200);
      assert.equal(winners.length, 1, `round ${round}: ${capture.status} ${voided.status}`);
      for (const loser of [capture, voided].filter((r) => r.status !== 200)) assert.ok(['PAYMENT_BUSY', 'ILLEGAL_PAYMENT_TRANSITION'].includes(errorReason(loser.body) ?? ''), JSON.stringify(loser.body));
      const stored: Payment = await client.getPayment({ paymentId: payment.id }, { token: staff });
      assert.equal(stored.transactions.length, 2);
      assert.equal(stored.state, capture.status === 200 ? 3 : 7);
    }
  });

  test('illegal transitions are refused', async () => {
    const payment = await authorise({});
    assert.equal((await act(payment.id, 'void')).body.state, 'PAYMENT_STATE_VOIDED');
    const capture = await act(payment.id, 'capture');
    assert.equal(capture.status, 400);
    assert.equal(errorReason(capture.body), 'ILLEGAL_PAYMENT_TRANSITION');
    const refund = await act(payment.id, 'refund');
    assert.equal(errorReason(refund.body), 'ILLEGAL_PAYMENT_TRANSITION');
    const notManual = await act(payment.id, 'markPaid');
    assert.equal(errorReason(notManual.body), 'NOT_A_MANUAL_PAYMENT');
  });

  test('authorise and capture answer promptly (figures printed)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      const payment = await authorise({});
      await client.capturePayment({ paymentId: payment.id, idempotencyKey: `cap-${randomUUID()}`, amount: undefined }, { token: checkout });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
    process.stdout.write(`# sandbox authorise + capture over gRPC, 30 sequential: p50 ${p(0.5)} ms, p95 ${p(0.95)} ms\n`);
    assert.ok(times[Math.floor(0.95 * times.length)]! < 2_000, 'p95 under 2 s on a loaded test machine');
  });

  test('staff mark a manual payment paid', async () => {
    const payment = await authorise({ provider: 'manual', paymentMethodToken: '' });
    assert.equal(payment.state, 1);
    const paid = await act(payment.id, 'markPaid', { reference: 'bank transfer 2026-11-26' });
    assert.equal(paid.body.state, 'PAYMENT_STATE_CAPTURED');
  });
});

describe('who may move money', () => {
  test('customers, anonymous callers and accounts without the scope are refused', async () => {
    const customer = await newCustomer();
    const payment = await authorise({});
    assert.equal((await act(payment.id, 'capture', {}, customer.token)).status, 403);
    assert.equal((await api('GET', `/v1/payments/${payment.id}`, { token: customer.token })).status, 403);
    assert.equal((await api('GET', '/v1/payments')).status, 401);
    await assert.rejects(authorise({}, customer.token), (err: { code?: number }) => err.code === status.PERMISSION_DENIED);
    await assert.rejects(client.authorisePayment(AuthorisePaymentRequest.fromPartial({ idempotencyKey: 'k' })), (err: { code?: number }) => err.code === status.UNAUTHENTICATED);
    const reporting = await api('POST', '/v1/service-accounts', { token: staff, json: { name: 'reports', scopes: ['orders.read'] } });
    const token = await api('POST', '/v1/oauth/token', { form: { grant_type: 'client_credentials', client_id: reporting.body.clientId, client_secret: reporting.body.clientSecret } });
    await assert.rejects(authorise({}, token.body.access_token), (err: { code?: number }) => err.code === status.PERMISSION_DENIED);
    assert.equal((await api('GET', `/v1/payments/${payment.id}`, { token: staff })).status, 200);
  });

  test('a missing idempotency key or amount is a clear 400', async () => {
    const payment = await authorise({});
    const res = await api('POST', `/v1/payments/${payment.id}:capture`, { token: staff, json: {} });
    assert.equal(res.status, 400);
    await assert.rejects(authorise({ amount: undefined, orderId: '' }), (err: { code?: number; details?: string }) => {
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(String(err.details), /order_id/);
      assert.match(String(err.details), /amount/);
      return true;
    });
  });
});

describe('exchange rates for display prices', () => {
  const pair = () => {
    // A pair of its own per test run, so reruns against one stack do not see each other's rates.
    const codes = ['CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'RON', 'BGN', 'ISK'];
    return [codes[Math.floor(Math.random() * 5)]!, codes[5 + Math.floor(Math.random() * 5)]!] as const;
  };
  const setRate = (base: string, quote: string, rate: string, rateTime?: Date, token = staff) =>
    api('POST', '/v1/exchange-rates', { token, json: { baseCurrency: base, quoteCurrency: quote, rate, ...(rateTime ? { rateTime: rateTime.toISOString() } : {}) } });
  const convert = (currency: string, amountMinor: number, target: string) =>
    api('GET', `/v1/exchange-rates:convert?amount.currencyCode=${currency}&amount.amountMinor=${amountMinor}&targetCurrency=${target}`);

  test('converts with the newest rate, rounding half up, and a late import never rolls it back', async () => {
    const [base] = pair();
    const set = await setRate(base, 'JPY', '160.5', new Date(Date.now() - 60_000));
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const older = await setRate(base, 'JPY', '150', new Date(Date.now() - 3_600_000));
    assert.equal(older.body.rate, '160.5', 'the older observation is ignored');
    const converted = await convert(base, 1000, 'JPY');
    assert.equal(converted.status, 200, JSON.stringify(converted.body));
    assert.deepEqual(converted.body.converted, { currencyCode: 'JPY', amountMinor: '1605' });
    const listed = await api('GET', '/v1/exchange-rates');
    assert.ok(listed.body.exchangeRates.some((r: { baseCurrency: string; quoteCurrency: string; rate: string }) => r.baseCurrency === base && r.quoteCurrency === 'JPY' && r.rate === '160.5'));
  });

  test('a stale rate is refused, never used silently; an unknown pair is 404', async () => {
    const [base, quote] = pair();
    assert.equal((await setRate(base, quote, '0.0933', new Date(Date.now() - 3 * 86_400_000))).status, 200);
    const stale = await convert(base, 10_000, quote);
    assert.equal(stale.status, 400);
    assert.equal(errorReason(stale.body), 'EXCHANGE_RATE_STALE');
    assert.equal((await convert('EUR', 100, 'XOF')).status, 404);
  });

  test('only staff set rates, and bad rates are clear 400s', async () => {
    const customer = await newCustomer();
    assert.equal((await setRate('EUR', 'USD', '1.08', undefined, customer.token)).status, 403);
    const bad = await setRate('EUR', 'EUR', '-1');
    assert.equal(bad.status, 400);
    const fields = (bad.body.details.find((d: { fieldViolations?: unknown[] }) => d.fieldViolations)?.fieldViolations ?? []).map((f: { field: string }) => f.field).sort();
    assert.deepEqual(fields, ['exchange_rate.quote_currency', 'exchange_rate.rate']);
  });
});
