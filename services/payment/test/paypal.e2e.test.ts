import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { Metadata, credentials } from '@grpc/grpc-js';
import { PaymentAuthorised } from '../../../gen/shop/payment/v1/events.js';
import { AuthorisePaymentRequest, PaymentServiceClient, PaymentServiceService, PaymentState } from '../../../gen/shop/payment/v1/payment_service.js';
import { eventsMatching } from '../../../tools/testing/events.js';
import { createServiceClient, type ServiceClient } from '../../platform/src/grpc/client.js';
import { runServices, type RunningMesh } from '../../platform/src/runtime.js';
import { admin, api } from '../../../tools/testing/edge.js';
import { paymentService } from '../src/service.js';
import { FakePayPal } from './paypal-fake.js';

// PayPal's sandbox cannot be reached from here: a second payment instance, beside the
// stack's, talks through PayPal's SDK to a local server answering PayPal's documented shapes.
const paypal = new FakePayPal();
let mesh: RunningMesh;
let client: ServiceClient<typeof PaymentServiceService>;
let token: string;

before(async () => {
  const url = await paypal.start();
  mesh = await runServices([paymentService], {
    ...process.env,
    SHOP_PAYMENT_ADDR: '127.0.0.1:0',
    SHOP_LOG_LEVEL: 'error',
    SHOP_METRICS_PORT: '0',
    SHOP_PAYPAL_CLIENT_ID: 'test-client',
    SHOP_PAYPAL_CLIENT_SECRET: 'test-secret-not-real',
    SHOP_PAYPAL_API_URL: url,
    SHOP_PAYPAL_WEBHOOK_ID: paypal.webhookId,
  });
  client = createServiceClient(PaymentServiceService, { name: 'paypal-test', address: `127.0.0.1:${mesh.ports['payment']}` });
  token = await admin();
});
after(async () => {
  client.close();
  await mesh.stop();
  await paypal.stop();
});

const authorise = (req: Partial<AuthorisePaymentRequest>) =>
  client.authorisePayment(AuthorisePaymentRequest.fromPartial({ idempotencyKey: `order-${randomUUID()}`, orderId: `ord_${randomUUID().slice(0, 8)}`, amount: { currencyCode: 'EUR', amountMinor: 10_000 }, provider: 'paypal', paymentMethodToken: 'vault-token-1', ...req }), { token });
const key = () => randomUUID();

describe('PayPal Orders v2 through the server SDK', () => {
  test('authorise -> partial capture -> partial refund -> refund, with amounts in major units and request ids', async () => {
    const payment = await authorise({});
    assert.equal(payment.state, PaymentState.PAYMENT_STATE_AUTHORISED);
    const created = paypal.callsTo(/^\/v2\/checkout\/orders$/).at(-1)!;
    assert.equal(created.body.intent, 'AUTHORIZE');
    assert.deepEqual(created.body.purchase_units[0].amount, { currency_code: 'EUR', value: '100.00' });
    assert.equal(created.body.purchase_units[0].custom_id, payment.orderId);
    assert.ok(created.requestId, 'PayPal-Request-Id sent');
    const captured = await client.capturePayment({ paymentId: payment.id, idempotencyKey: key(), amount: { currencyCode: 'EUR', amountMinor: 8_050 } }, { token });
    assert.equal(captured.state, PaymentState.PAYMENT_STATE_CAPTURED);
    const capture = paypal.callsTo(/\/capture$/).at(-1)!;
    assert.match(capture.path, /^\/v2\/payments\/authorizations\/AUTH-/);
    assert.deepEqual(capture.body.amount, { currency_code: 'EUR', value: '80.50' });
    const partial = await client.refundPayment({ paymentId: payment.id, idempotencyKey: key(), amount: { currencyCode: 'EUR', amountMinor: 50 }, reason: '' }, { token });
    assert.equal(partial.state, PaymentState.PAYMENT_STATE_PARTIALLY_REFUNDED);
    const refund = paypal.callsTo(/\/refund$/).at(-1)!;
    assert.match(refund.path, new RegExp(`^/v2/payments/captures/${captured.transactions.at(-1)!.providerReference}/refund$`));
    assert.deepEqual(refund.body.amount, { currency_code: 'EUR', value: '0.50' });
    const rest = await client.refundPayment({ paymentId: payment.id, idempotencyKey: key(), amount: undefined, reason: '' }, { token });
    assert.equal(rest.state, PaymentState.PAYMENT_STATE_REFUNDED);
    assert.equal(rest.refunded?.amountMinor, 8_050);
  });

  test('zero-decimal and three-decimal currencies reach PayPal exactly', async () => {
    await authorise({ amount: { currencyCode: 'JPY', amountMinor: 1234 } });
    assert.deepEqual(paypal.callsTo(/^\/v2\/checkout\/orders$/).at(-1)!.body.purchase_units[0].amount, { currency_code: 'JPY', value: '1234' });
    await authorise({ amount: { currencyCode: 'BHD', amountMinor: 12_345 } });
    assert.deepEqual(paypal.callsTo(/^\/v2\/checkout\/orders$/).at(-1)!.body.purchase_units[0].amount, { currency_code: 'BHD', value: '12.345' });
  });

  test('without a saved wallet the buyer must approve at PayPal', async () => {
    const payment = await authorise({ paymentMethodToken: '', returnUrl: 'https://shop.example/return' });
    assert.equal(payment.state, PaymentState.PAYMENT_STATE_REQUIRES_ACTION);
    assert.match(payment.nextActionUrl, /^https:\/\/www\.sandbox\.paypal\.com\/checkoutnow\?token=/);
    const voided = await client.voidPayment({ paymentId: payment.id, idempotencyKey: key() }, { token });
    assert.equal(voided.state, PaymentState.PAYMENT_STATE_VOIDED);
  });

  test('the same key three times in parallel creates one PayPal order', async () => {
    const before = paypal.callsTo(/^\/v2\/checkout\/orders$/).length;
    const req = { idempotencyKey: `order-${randomUUID()}`, orderId: 'ord_parallel' };
    const results = await Promise.all([authorise(req), authorise(req), authorise(req)]);
    assert.equal(new Set(results.map((p) => p.id)).size, 1);
    assert.equal(paypal.callsTo(/^\/v2\/checkout\/orders$/).length - before, 1);
  });

  test('PayPal down during capture: UNAVAILABLE, nothing recorded, and a retry with the same key captures once', async () => {
    const payment = await authorise({});
    const captureKey = key();
    paypal.failing = /\/capture$/;
    try {
      await assert.rejects(client.capturePayment({ paymentId: payment.id, idempotencyKey: captureKey, amount: undefined }, { token }), (err: { code?: number }) => err.code === status.UNAVAILABLE);
    } finally {
      paypal.failing = null;
    }
    const unchanged = await api('GET', `/v1/payments/${payment.id}`, { token });
    assert.equal(unchanged.body.state, 'PAYMENT_STATE_AUTHORISED');
    const captured = await client.capturePayment({ paymentId: payment.id, idempotencyKey: captureKey, amount: undefined }, { token });
    assert.equal(captured.state, PaymentState.PAYMENT_STATE_CAPTURED);
    const ids = paypal.callsTo(/\/capture$/).filter((c) => c.path.includes(captured.transactions[0]!.providerReference)).map((c) => c.requestId);
    assert.equal(new Set(ids).size, 1, 'both attempts carried the same PayPal-Request-Id');
  });
});

describe('PayPal webhooks', () => {
  /** Delivers a webhook to the PayPal-enabled instance, as Envoy would (body as HttpBody, headers as metadata). */
  const deliver = (event: Record<string, unknown>, signature: string) =>
    new Promise<number>((resolve) => {
      const raw = new PaymentServiceClient(`127.0.0.1:${mesh.ports['payment']}`, credentials.createInsecure());
      const md = new Metadata();
      for (const [k, v] of Object.entries({ 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1', 'paypal-transmission-id': randomUUID(), 'paypal-transmission-sig': signature, 'paypal-transmission-time': new Date().toISOString() })) md.set(k, v);
      raw.handleProviderWebhook({ provider: 'paypal', httpBody: { contentType: 'application/json', data: Buffer.from(JSON.stringify(event)), extensions: [] } }, md, (err) => {
        raw.close();
        resolve(err ? err.code : 0);
      });
    });

  test('an approved order is authorised from the webhook even if the buyer never comes back; bad signatures and duplicates change nothing', async () => {
    const payment = await authorise({ paymentMethodToken: '', returnUrl: 'https://shop.example/return' });
    assert.equal(payment.state, PaymentState.PAYMENT_STATE_REQUIRES_ACTION);
    paypal.approve(payment.providerReference);
    const approved = { id: `WH-${randomUUID()}`, event_type: 'CHECKOUT.ORDER.APPROVED', resource: { id: payment.providerReference, status: 'APPROVED' } };
    assert.equal(await deliver(approved, 'forged'), status.INVALID_ARGUMENT);
    assert.equal((await client.getPayment({ paymentId: payment.id }, { token })).state, PaymentState.PAYMENT_STATE_REQUIRES_ACTION);
    assert.equal(await deliver(approved, paypal.validSignature), status.OK);
    assert.equal(await deliver(approved, paypal.validSignature), status.OK, 'a redelivery is accepted');
    const after = await client.getPayment({ paymentId: payment.id }, { token });
    assert.equal(after.state, PaymentState.PAYMENT_STATE_AUTHORISED);
    assert.equal(after.transactions.filter((t) => t.stateAfter === PaymentState.PAYMENT_STATE_AUTHORISED).length, 1);
    const authorisations = paypal.callsTo(new RegExp(`/v2/checkout/orders/${payment.providerReference}/authorize$`));
    assert.equal(new Set(authorisations.map((c) => c.requestId)).size, 1, 'every authorisation of the order carried one PayPal-Request-Id');
    const events = await eventsMatching('SHOP_PAYMENT', 'shop.payment.authorised', PaymentAuthorised.decode, (e) => e.payment?.id === payment.id);
    assert.equal(events[0]?.event.payment?.orderId, payment.orderId);
    // And the authorisation it recorded is the one a capture uses.
    const captured = await client.capturePayment({ paymentId: payment.id, idempotencyKey: key(), amount: undefined }, { token });
    assert.equal(captured.state, PaymentState.PAYMENT_STATE_CAPTURED);
    assert.match(paypal.callsTo(/\/capture$/).at(-1)!.path, new RegExp(`/authorizations/${after.transactions.at(-1)!.providerReference}/capture$`));
  });

  test('a capture reported by PayPal completes an authorised payment; a late authorisation event does not undo it', async () => {
    const payment = await authorise({});
    const authId = payment.transactions[0]!.providerReference;
    const completed = { id: `WH-${randomUUID()}`, event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: { id: 'CAP-X', status: 'COMPLETED', amount: { currency_code: 'EUR', value: '100.00' }, supplementary_data: { related_ids: { order_id: payment.providerReference } } } };
    assert.equal(await deliver(completed, paypal.validSignature), status.OK);
    const late = { id: `WH-${randomUUID()}`, event_type: 'PAYMENT.AUTHORIZATION.CREATED', resource: { id: authId, status: 'CREATED', supplementary_data: { related_ids: { order_id: payment.providerReference } } } };
    assert.equal(await deliver(late, paypal.validSignature), status.OK);
    const after = await client.getPayment({ paymentId: payment.id }, { token });
    assert.equal(after.state, PaymentState.PAYMENT_STATE_CAPTURED);
    assert.equal(after.captured?.amountMinor, 10_000);
  });
});
