import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { ShipmentCreated, ShipmentDelivered, ShipmentUpdated } from '../../../gen/shop/shipping/v1/events.js';
import { ShipmentStatus } from '../../../gen/shop/shipping/v1/shipping.js';
import { admin, api, errorReason, newCustomer, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';
import { signWebhook } from '../src/domain/webhook-signature.js';
import { newOrder, ok, postWebhook, ship, webhookSecret, webhookTrackingNumber } from './helpers.js';

const units = (shipments: any[], lineId: string) =>
  shipments.filter((s) => s.status !== 'SHIPMENT_STATUS_CANCELLED').flatMap((s) => s.lines).filter((l: any) => l.orderLineId === lineId).reduce((n: number, l: any) => n + l.quantity, 0);

async function serviceAccountToken(scopes: string[]): Promise<string> {
  const account = ok(await api('POST', '/v1/service-accounts', { token: await admin(), json: { name: 'order service', scopes } }));
  const res = ok(await api('POST', '/v1/oauth/token', { form: { grant_type: 'client_credentials', client_id: account.clientId, client_secret: account.clientSecret } }));
  return res.access_token;
}

describe('shipments', () => {
  test('partial shipments, then the rest; the order\'s customer tracks them, nobody else does', async () => {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 2], ['TEE', 1]]);
    const first = ok(await ship(order, customer.id, { lines: [{ orderLineId: 'l1', quantity: 1 }], trackingNumber: '1z999aa10123456784', carrierName: 'ups' }));
    assert.deepEqual([first.status, first.trackingNumber, first.lines], ['SHIPMENT_STATUS_LABEL_CREATED', '1Z999AA10123456784', [{ orderLineId: 'l1', sku: 'MUG', quantity: 1 }]]);
    assert.equal(first.destination.line1, 'Unter den Linden 1');
    const rest = ok(await ship(order, customer.id));
    assert.deepEqual(rest.lines, [{ orderLineId: 'l1', sku: 'MUG', quantity: 1 }, { orderLineId: 'l2', sku: 'TEE', quantity: 1 }]);
    const nothing = await ship(order, customer.id);
    assert.equal(errorReason(nothing.body), 'NOTHING_TO_SHIP');

    const mine = ok(await api('GET', `/v1/orders/${order.orderId}/shipments`, { token: customer.token }));
    assert.deepEqual(mine.shipments.map((s: any) => s.id), [first.id, rest.id]);
    assert.equal(ok(await api('GET', `/v1/shipments/${first.id}`, { token: customer.token })).id, first.id);
    const stranger = await newCustomer();
    assert.equal((await api('GET', `/v1/shipments/${first.id}`, { token: stranger.token })).status, 404);
    assert.deepEqual(ok(await api('GET', `/v1/orders/${order.orderId}/shipments`, { token: stranger.token })).shipments, []);
    assert.equal((await api('GET', `/v1/shipments/${first.id}`)).status, 401);

    const created = await eventsMatching('SHOP_SHIPPING', 'shop.shipping.shipment_created', (d) => ShipmentCreated.decode(d), (e) => e.shipment?.orderId === order.orderId);
    assert.equal(created.length, 2);
    const last = created.map((c) => c.event).find((e) => e.shipment?.id === rest.id)!;
    assert.equal(last.fulfilment?.fullyShipped, true);
    assert.deepEqual(last.shipment?.lines.map((l) => l.orderLineId), ['l1', 'l2']);
    // Events carry no name, street or phone.
    assert.deepEqual([last.shipment?.destination?.fullName, last.shipment?.destination?.line1, last.shipment?.destination?.countryCode], ['', '', 'DE']);
    const audit = await eventsMatching('SHOP_AUDIT', 'shop.audit.shipment.created', (d) => AuditEvent.decode(d), (e) => e.targetId === first.id);
    assert.equal(audit.length, 1);
  });

  test('racing requests for the same units never ship a line twice', async () => {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 3], ['TEE', 1]]);
    const token = await admin();
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ship(order, customer.id, { lines: i % 2 === 0 ? [{ orderLineId: 'l1', quantity: 1 }] : [{ orderLineId: 'l1', quantity: 1 }, { orderLineId: 'l2', quantity: 1 }] }, token)),
    );
    for (const r of attempts) assert.ok([200, 400, 409].includes(r.status), JSON.stringify(r.body));
    for (const r of attempts.filter((a) => a.status !== 200)) assert.ok(['LINE_ALREADY_SHIPPED', 'CONCURRENT_UPDATES'].includes(errorReason(r.body)!), JSON.stringify(r.body));
    // 12 requests for 3 units of l1: at most 3 can win, so at least 9 must lose.
    assert.ok(attempts.filter((a) => a.status === 200).length <= 3);
    const stored = ok(await api('GET', `/v1/orders/${order.orderId}/shipments`, { token })).shipments;
    assert.equal(stored.length, attempts.filter((a) => a.status === 200).length);
    assert.ok(units(stored, 'l1') <= 3, `line l1 shipped ${units(stored, 'l1')} of 3`);
    assert.ok(units(stored, 'l2') <= 1, `line l2 shipped ${units(stored, 'l2')} of 1`);
    // Whatever lost can be retried until everything is shipped exactly once.
    const unshipped = async () => {
      const now = ok(await api('GET', `/v1/orders/${order.orderId}/shipments`, { token })).shipments;
      return units(now, 'l1') < 3 || units(now, 'l2') < 1;
    };
    for (let i = 0; i < 5 && (await unshipped()); i++) await ship(order, customer.id, {}, token);
    const final = ok(await api('GET', `/v1/orders/${order.orderId}/shipments`, { token })).shipments;
    assert.deepEqual([units(final, 'l1'), units(final, 'l2')], [3, 1]);
  });

  test('staff list shipments by warehouse and status, page by page; customers may not', async () => {
    const customer = await newCustomer();
    const token = await admin();
    const warehouseId = `wh-${Math.random().toString(36).slice(2, 10)}`;
    const ids: string[] = [];
    for (let o = 0; o < 3; o++) {
      const order = newOrder([['MUG', 2]]);
      for (let k = 0; k < 2; k++) ids.push(ok(await ship(order, customer.id, { warehouseId, lines: [{ orderLineId: 'l1', quantity: 1 }] })).id);
    }
    ok(await api('POST', `/v1/shipments/${ids[0]}:cancel`, { token, json: {} }));
    const seen: string[] = [];
    let pageToken = '';
    for (let page = 0; page < 10; page++) {
      const res = ok(await api('GET', `/v1/shipments?warehouseId=${warehouseId}&status=SHIPMENT_STATUS_LABEL_CREATED&pageSize=2${pageToken ? `&pageToken=${pageToken}` : ''}`, { token }));
      assert.ok(res.shipments.length <= 2);
      seen.push(...res.shipments.map((s: any) => s.id));
      pageToken = res.nextPageToken;
      if (!pageToken) break;
    }
    assert.deepEqual([...seen].sort(), ids.slice(1).sort());
    assert.equal((await api('GET', '/v1/shipments', { token: customer.token })).status, 403);
  });

  test('a retry with the same request_id returns the same shipment; a different request under it is refused', async () => {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 2]]);
    const [a, b] = await Promise.all([ship(order, customer.id, { requestId: 'req-1', lines: [{ orderLineId: 'l1', quantity: 1 }] }), ship(order, customer.id, { requestId: 'req-1', lines: [{ orderLineId: 'l1', quantity: 1 }] })]);
    assert.equal(ok(a).id, ok(b).id);
    const again = ok(await ship(order, customer.id, { requestId: 'req-1', lines: [{ orderLineId: 'l1', quantity: 1 }] }));
    assert.equal(again.id, a.body.id);
    const other = await ship(order, customer.id, { requestId: 'req-1', lines: [{ orderLineId: 'l1', quantity: 2 }] });
    assert.equal(other.status, 409);
    assert.equal(errorReason(other.body), 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(ok(await api('GET', `/v1/orders/${order.orderId}/shipments`, { token: await admin() })).shipments.length, 1);
  });

  test('bad shipment requests name their fields; a changed order is refused', async () => {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 1]]);
    const bad = await ship(order, customer.id, { warehouseId: '', destination: { countryCode: 'DE', postalCode: '1011', line1: '', city: 'Berlin', fullName: 'A' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['warehouse_id']);
    const address = await ship(order, customer.id, { destination: { countryCode: 'DE', postalCode: '1011', line1: '', city: 'Berlin', fullName: 'A' } });
    assert.deepEqual(violatedFields(address.body), ['destination.line1', 'destination.postal_code']);
    const lines = await ship(order, customer.id, { lines: [{ orderLineId: 'l9', quantity: 1 }, { orderLineId: 'l1', quantity: 2 }] });
    assert.deepEqual(violatedFields(lines.body), ['lines[0].order_line_id', 'lines[1].quantity']);
    const tracking = await ship(order, customer.id, { carrierName: 'ups', trackingNumber: '12345' });
    assert.deepEqual(violatedFields(tracking.body), ['tracking_number']);
    const carrier = await ship(order, customer.id, { carrier: 'pigeon' });
    assert.deepEqual(violatedFields(carrier.body), ['carrier']);
    ok(await ship(order, customer.id));
    const changed = await ship({ ...order, orderLines: [{ orderLineId: 'l1', sku: 'MUG', quantity: 5 }] }, customer.id);
    assert.equal(errorReason(changed.body), 'ORDER_LINES_CHANGED');
  });

  test('shipments need fulfilment.manage; a service account granted it creates them', async () => {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 1]]);
    assert.equal((await ship(order, customer.id, {}, customer.token)).status, 403);
    const weak = await serviceAccountToken(['catalog.prices.read']);
    assert.equal((await ship(order, customer.id, {}, weak)).status, 403);
    const orderService = await serviceAccountToken(['fulfilment.manage']);
    const created = ok(await ship(order, customer.id, {}, orderService));
    assert.equal(ok(await api('GET', `/v1/shipments/${created.id}`, { token: orderService })).id, created.id);
  });

  test('staff tracking: the state machine refuses illegal changes; cancelling frees the units', async () => {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 1]]);
    const token = await admin();
    const s = ok(await ship(order, customer.id));
    const cancelled = ok(await api('POST', `/v1/shipments/${s.id}:cancel`, { token, json: { reason: 'wrong parcel' } }));
    assert.equal(cancelled.status, 'SHIPMENT_STATUS_CANCELLED');
    const again = ok(await ship(order, customer.id));
    // Seconds after now (events are ordered by time; the label was created just before).
    const event = (status: string, secondsLater: number) => api('POST', `/v1/shipments/${again.id}/tracking-events`, { token, json: { status, occurTime: new Date(Date.now() + secondsLater * 1000).toISOString(), location: 'Berlin hub' } });
    assert.equal(ok(await event('SHIPMENT_STATUS_IN_TRANSIT', 1)).status, 'SHIPMENT_STATUS_IN_TRANSIT');
    const back = await event('SHIPMENT_STATUS_LABEL_CREATED', 2);
    assert.equal(back.status, 400);
    assert.equal(errorReason(back.body), 'ILLEGAL_STATUS_TRANSITION');
    const cancel = await api('POST', `/v1/shipments/${again.id}:cancel`, { token, json: {} });
    assert.equal(errorReason(cancel.body), 'ILLEGAL_STATUS_TRANSITION');
    const delivered = ok(await event('SHIPMENT_STATUS_DELIVERED', 3));
    assert.deepEqual(delivered.events.map((e: any) => e.status), ['SHIPMENT_STATUS_LABEL_CREATED', 'SHIPMENT_STATUS_IN_TRANSIT', 'SHIPMENT_STATUS_DELIVERED']);
    const after = await event('SHIPMENT_STATUS_EXCEPTION', 4);
    assert.equal(errorReason(after.body), 'ILLEGAL_STATUS_TRANSITION');
    const noStatus = await api('POST', `/v1/shipments/${again.id}/tracking-events`, { token, json: { location: 'x' } });
    assert.deepEqual(violatedFields(noStatus.body), ['event.status']);
    const events = await eventsMatching('SHOP_SHIPPING', 'shop.shipping.shipment_delivered', (d) => ShipmentDelivered.decode(d), (e) => e.shipment?.orderId === order.orderId);
    assert.equal(events.length, 1);
    assert.deepEqual([events[0]!.event.fulfilment?.fullyDelivered, events[0]!.event.shipment?.lines[0]?.orderLineId], [true, 'l1']);
  });
});

describe('carrier webhooks', () => {
  async function webhookShipment() {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 1], ['TEE', 2]]);
    const trackingNumber = webhookTrackingNumber();
    const s = ok(await ship(order, customer.id, { carrier: 'webhook', trackingNumber, lines: [{ orderLineId: 'l2', quantity: 2 }] }));
    return { order, trackingNumber, shipment: s };
  }
  // Seconds after now: carrier scans come after the label was created.
  const at = (secondsLater: number) => new Date(Date.now() + secondsLater * 1000).toISOString();
  const get = async (id: string) => ok(await api('GET', `/v1/shipments/${id}`, { token: await admin() }));

  test('a signed update moves the shipment; the delivered event carries the order and its lines', async () => {
    const { order, trackingNumber, shipment } = await webhookShipment();
    const res = await postWebhook([
      { eventId: 'e1', trackingNumber, status: 'in_transit', occurredAt: at(60), location: 'Leipzig hub' },
      { eventId: 'e2', trackingNumber, status: 'out_for_delivery', occurredAt: at(120), location: 'Berlin' },
      { eventId: 'e3', trackingNumber, status: 'delivered', occurredAt: at(180), location: 'Berlin', description: 'handed to resident' },
    ]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { applied: 3, duplicates: 0, ignored: 0 });
    const after = await get(shipment.id);
    assert.equal(after.status, 'SHIPMENT_STATUS_DELIVERED');
    assert.deepEqual(after.events.map((e: any) => e.location).slice(1), ['Leipzig hub', 'Berlin', 'Berlin']);
    const delivered = await eventsMatching('SHOP_SHIPPING', 'shop.shipping.shipment_delivered', (d) => ShipmentDelivered.decode(d), (e) => e.shipment?.id === shipment.id);
    assert.equal(delivered.length, 1);
    const e = delivered[0]!.event;
    assert.equal(e.shipment?.orderId, order.orderId);
    assert.deepEqual(e.shipment?.lines, [{ orderLineId: 'l2', sku: 'TEE', quantity: 2 }]);
    // l1 was never shipped: the order is partially shipped, partially delivered.
    assert.deepEqual([e.fulfilment?.fullyShipped, e.fulfilment?.fullyDelivered], [false, false]);
    const updates = await eventsMatching('SHOP_SHIPPING', 'shop.shipping.shipment_updated', (d) => ShipmentUpdated.decode(d), (u) => u.shipment?.id === shipment.id);
    // One delivery is one write: one update from label_created to the newest status (the timeline keeps every scan).
    assert.deepEqual(updates.map((u) => [u.event.previousStatus, u.event.shipment?.status]), [[ShipmentStatus.SHIPMENT_STATUS_LABEL_CREATED, ShipmentStatus.SHIPMENT_STATUS_DELIVERED]]);
  });

  test('a bad signature is 401 and changes nothing', async () => {
    const { trackingNumber, shipment } = await webhookShipment();
    const events = [{ eventId: 'x1', trackingNumber, status: 'delivered', occurredAt: at(1) }];
    const wrongSecret = await postWebhook(events, { secret: 'not-the-secret-not-the-secret-00000' });
    assert.equal(wrongSecret.status, 401);
    assert.equal(errorReason(wrongSecret.body), 'INVALID_WEBHOOK_SIGNATURE');
    const body = JSON.stringify({ events });
    // Signed by the right secret, but the body was changed on the way.
    const tampered = await postWebhook([], { body: body.replace('delivered', 'exception'), signature: signWebhook(webhookSecret(), Buffer.from(body), Math.floor(Date.now() / 1000)) });
    assert.equal(tampered.status, 401);
    assert.equal((await postWebhook(events, { signature: '' })).status, 401);
    assert.equal((await postWebhook(events, { carrier: 'unknown' })).status, 401);
    const after = await get(shipment.id);
    assert.deepEqual([after.status, after.events.length, after.etag], ['SHIPMENT_STATUS_LABEL_CREATED', 1, shipment.etag]);
  });

  test('duplicate and out-of-order updates are harmless', async () => {
    const { trackingNumber, shipment } = await webhookShipment();
    const delivered = { eventId: 'd1', trackingNumber, status: 'delivered', occurredAt: at(200) };
    assert.deepEqual((await postWebhook([delivered])).body, { applied: 1, duplicates: 0, ignored: 0 });
    const once = await get(shipment.id);
    assert.deepEqual((await postWebhook([delivered])).body, { applied: 0, duplicates: 1, ignored: 0 });
    assert.equal((await get(shipment.id)).etag, once.etag, 'a repeated update writes nothing');
    // An older scan arrives late: history, not a step back.
    assert.deepEqual((await postWebhook([{ eventId: 't1', trackingNumber, status: 'in_transit', occurredAt: at(100) }])).body, { applied: 1, duplicates: 0, ignored: 0 });
    // A newer update the state machine forbids is ignored, not recorded.
    assert.deepEqual((await postWebhook([{ eventId: 'late', trackingNumber, status: 'exception', occurredAt: at(300) }])).body, { applied: 0, duplicates: 0, ignored: 1 });
    const after = await get(shipment.id);
    assert.equal(after.status, 'SHIPMENT_STATUS_DELIVERED');
    assert.deepEqual(after.events.map((e: any) => e.status), ['SHIPMENT_STATUS_LABEL_CREATED', 'SHIPMENT_STATUS_IN_TRANSIT', 'SHIPMENT_STATUS_DELIVERED']);
    const deliveredEvents = await eventsMatching('SHOP_SHIPPING', 'shop.shipping.shipment_delivered', (d) => ShipmentDelivered.decode(d), (e) => e.shipment?.id === shipment.id);
    assert.equal(deliveredEvents.length, 1);
  });

  test('the same delivery posted concurrently is applied once and emits one event', async () => {
    const { trackingNumber, shipment } = await webhookShipment();
    const events = [{ eventId: 'c1', trackingNumber, status: 'delivered', occurredAt: at(60) }];
    const results = await Promise.all(Array.from({ length: 6 }, () => postWebhook(events)));
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([results.reduce((n, r) => n + r.body.applied, 0), results.reduce((n, r) => n + r.body.duplicates, 0)], [1, 5]);
    assert.equal((await get(shipment.id)).events.length, 2);
    const delivered = await eventsMatching('SHOP_SHIPPING', 'shop.shipping.shipment_delivered', (d) => ShipmentDelivered.decode(d), (e) => e.shipment?.id === shipment.id);
    assert.equal(delivered.length, 1);
  });

  test('a signed but malformed delivery names its fields; unknown tracking numbers are ignored', async () => {
    const bad = await postWebhook([{ trackingNumber: '', status: 'teleported', occurredAt: 'yesterday' }]);
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['events[0].occurredAt', 'events[0].status', 'events[0].trackingNumber']);
    assert.deepEqual((await postWebhook([{ eventId: 'u', trackingNumber: 'WH0000000001', status: 'in_transit', occurredAt: at(1) }])).body, { applied: 0, duplicates: 0, ignored: 1 });
  });

  test('tracking numbers follow the webhook carrier\'s pattern and are unique', async () => {
    const customer = await newCustomer();
    const order = newOrder([['MUG', 2]]);
    const badPattern = await ship(order, customer.id, { carrier: 'webhook', trackingNumber: '1Z999AA10123456784', lines: [{ orderLineId: 'l1', quantity: 1 }] });
    assert.deepEqual(violatedFields(badPattern.body), ['tracking_number']);
    const number = webhookTrackingNumber();
    ok(await ship(order, customer.id, { carrier: 'webhook', trackingNumber: number, lines: [{ orderLineId: 'l1', quantity: 1 }] }));
    const taken = await ship(order, customer.id, { carrier: 'webhook', trackingNumber: number, lines: [{ orderLineId: 'l1', quantity: 1 }] });
    assert.equal(taken.status, 409);
    assert.equal(errorReason(taken.body), 'TRACKING_NUMBER_TAKEN');
  });
});
