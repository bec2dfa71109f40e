import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShipmentStatus } from '../../../../gen/shop/shipping/v1/shipping.js';
import { domainErrorOf } from '../../../../tools/testing/domain.js';
import { fulfilmentOf, planShipment, validateOrderLines } from './fulfilment.js';
import { canTransition, parseStatus } from './shipment-status.js';
import { applyEvents, derivedEventId, type TimelineEvent, type TrackedState } from './timeline.js';
import { trackingNumberProblem } from './tracking-numbers.js';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const S = ShipmentStatus;

describe('shipment state machine', () => {
  const legal: Array<[ShipmentStatus, ShipmentStatus]> = [
    [S.SHIPMENT_STATUS_LABEL_CREATED, S.SHIPMENT_STATUS_IN_TRANSIT],
    [S.SHIPMENT_STATUS_IN_TRANSIT, S.SHIPMENT_STATUS_OUT_FOR_DELIVERY],
    [S.SHIPMENT_STATUS_OUT_FOR_DELIVERY, S.SHIPMENT_STATUS_DELIVERED],
    [S.SHIPMENT_STATUS_LABEL_CREATED, S.SHIPMENT_STATUS_DELIVERED], // missed scans
    [S.SHIPMENT_STATUS_IN_TRANSIT, S.SHIPMENT_STATUS_EXCEPTION],
    [S.SHIPMENT_STATUS_EXCEPTION, S.SHIPMENT_STATUS_IN_TRANSIT],
    [S.SHIPMENT_STATUS_EXCEPTION, S.SHIPMENT_STATUS_RETURNED_TO_SENDER],
    [S.SHIPMENT_STATUS_OUT_FOR_DELIVERY, S.SHIPMENT_STATUS_RETURNED_TO_SENDER],
    [S.SHIPMENT_STATUS_LABEL_CREATED, S.SHIPMENT_STATUS_CANCELLED],
  ];
  const illegal: Array<[ShipmentStatus, ShipmentStatus]> = [
    [S.SHIPMENT_STATUS_DELIVERED, S.SHIPMENT_STATUS_IN_TRANSIT],
    [S.SHIPMENT_STATUS_DELIVERED, S.SHIPMENT_STATUS_EXCEPTION],
    [S.SHIPMENT_STATUS_OUT_FOR_DELIVERY, S.SHIPMENT_STATUS_IN_TRANSIT],
    [S.SHIPMENT_STATUS_IN_TRANSIT, S.SHIPMENT_STATUS_LABEL_CREATED],
    [S.SHIPMENT_STATUS_IN_TRANSIT, S.SHIPMENT_STATUS_CANCELLED],
    [S.SHIPMENT_STATUS_LABEL_CREATED, S.SHIPMENT_STATUS_RETURNED_TO_SENDER],
    [S.SHIPMENT_STATUS_RETURNED_TO_SENDER, S.SHIPMENT_STATUS_IN_TRANSIT],
    [S.SHIPMENT_STATUS_CANCELLED, S.SHIPMENT_STATUS_IN_TRANSIT],
    [S.SHIPMENT_STATUS_IN_TRANSIT, S.SHIPMENT_STATUS_IN_TRANSIT],
  ];
  for (const [from, to] of legal) test(`${S[from]} -> ${S[to]} is allowed`, () => assert.equal(canTransition(from, to), true));
  for (const [from, to] of illegal) test(`${S[from]} -> ${S[to]} is refused`, () => assert.equal(canTransition(from, to), false));
  test('statuses parse from webhook spellings', () => {
    assert.equal(parseStatus('in_transit'), S.SHIPMENT_STATUS_IN_TRANSIT);
    assert.equal(parseStatus('SHIPMENT_STATUS_DELIVERED'), S.SHIPMENT_STATUS_DELIVERED);
    assert.equal(parseStatus('unspecified'), null);
    assert.equal(parseStatus('teleported'), null);
  });
});

describe('tracking timeline', () => {
  const t = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));
  const ev = (id: string, status: ShipmentStatus, minutes: number): TimelineEvent => ({ id, status, occurTime: t(minutes), location: 'Hub', description: '', source: 'webhook' });
  const start: TrackedState = { id: 'shp1', status: S.SHIPMENT_STATUS_LABEL_CREATED, statusTime: t(0), events: [] };

  test('in order: every step moves the status', () => {
    const r = applyEvents(start, [ev('a', S.SHIPMENT_STATUS_IN_TRANSIT, 1), ev('b', S.SHIPMENT_STATUS_OUT_FOR_DELIVERY, 2), ev('c', S.SHIPMENT_STATUS_DELIVERED, 3)], false);
    assert.equal(r.state.status, S.SHIPMENT_STATUS_DELIVERED);
    assert.deepEqual([r.applied, r.duplicates, r.ignored], [3, 0, 0]);
  });

  test('duplicates change nothing', () => {
    const once = applyEvents(start, [ev('a', S.SHIPMENT_STATUS_IN_TRANSIT, 1)], false);
    const twice = applyEvents(once.state, [ev('a', S.SHIPMENT_STATUS_IN_TRANSIT, 1)], false);
    assert.deepEqual(twice.state, once.state);
    assert.deepEqual([twice.applied, twice.duplicates], [0, 1]);
  });

  test('out of order: an older event joins the history without moving the status back', () => {
    const delivered = applyEvents(start, [ev('c', S.SHIPMENT_STATUS_DELIVERED, 30)], false);
    const late = applyEvents(delivered.state, [ev('a', S.SHIPMENT_STATUS_IN_TRANSIT, 10)], false);
    assert.equal(late.state.status, S.SHIPMENT_STATUS_DELIVERED);
    assert.deepEqual(late.state.events.map((e) => e.id), ['a', 'c']);
  });

  test('any arrival order gives the same final state', () => {
    const events = [ev('a', S.SHIPMENT_STATUS_IN_TRANSIT, 1), ev('b', S.SHIPMENT_STATUS_OUT_FOR_DELIVERY, 2), ev('c', S.SHIPMENT_STATUS_DELIVERED, 3)];
    const orders = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]];
    const finals = orders.map((o) => o.reduce((s, i) => applyEvents(s, [events[i]!], false).state, start));
    for (const f of finals) {
      assert.equal(f.status, S.SHIPMENT_STATUS_DELIVERED);
      assert.deepEqual(f.events.map((e) => e.id), ['a', 'b', 'c']);
    }
  });

  test('a newer illegal event: carriers are ignored, staff get ILLEGAL_STATUS_TRANSITION', () => {
    const delivered = applyEvents(start, [ev('c', S.SHIPMENT_STATUS_DELIVERED, 3)], false).state;
    const carrier = applyEvents(delivered, [ev('d', S.SHIPMENT_STATUS_IN_TRANSIT, 9)], false);
    assert.deepEqual([carrier.applied, carrier.ignored, carrier.state.events.length], [0, 1, 1]);
    const err = domainErrorOf(() => applyEvents(delivered, [ev('d', S.SHIPMENT_STATUS_IN_TRANSIT, 9)], true));
    assert.equal(err.reason, 'ILLEGAL_STATUS_TRANSITION');
    assert.deepEqual(err.metadata, { shipment_id: 'shp1', from: 'delivered', to: 'in_transit' });
  });

  test('derived ids recognise the same update', () => {
    const e = { status: S.SHIPMENT_STATUS_IN_TRANSIT, occurTime: t(1), location: 'X', description: 'y' };
    assert.equal(derivedEventId(e), derivedEventId({ ...e }));
    assert.notEqual(derivedEventId(e), derivedEventId({ ...e, location: 'Z' }));
  });
});

describe('partial shipments', () => {
  const order = validateOrderLines([{ orderLineId: 'l2', sku: 'B', quantity: 1 }, { orderLineId: 'l1', sku: 'A', quantity: 3 }]);
  const shipped = (lines: Array<[string, number]>, status = S.SHIPMENT_STATUS_LABEL_CREATED) => ({ status, lines: lines.map(([id, q]) => ({ orderLineId: id, sku: '', quantity: q })) });

  test('no lines requested ships every remaining unit', () => {
    assert.deepEqual(planShipment(order, [shipped([['l1', 2]])], []), [{ orderLineId: 'l1', sku: 'A', quantity: 1 }, { orderLineId: 'l2', sku: 'B', quantity: 1 }]);
  });
  test('a line cannot ship more than remains', () => {
    const err = domainErrorOf(() => planShipment(order, [shipped([['l2', 1]])], [{ orderLineId: 'l2', sku: '', quantity: 1 }]));
    assert.equal(err.reason, 'LINE_ALREADY_SHIPPED');
    assert.deepEqual(err.fieldViolations.map((v) => v.field), ['lines[0].quantity']);
  });
  test('cancelled shipments free their units', () => {
    assert.deepEqual(planShipment(order, [shipped([['l2', 1]], S.SHIPMENT_STATUS_CANCELLED)], [{ orderLineId: 'l2', sku: '', quantity: 1 }]), [{ orderLineId: 'l2', sku: 'B', quantity: 1 }]);
  });
  test('everything shipped: NOTHING_TO_SHIP', () => {
    assert.equal(domainErrorOf(() => planShipment(order, [shipped([['l1', 3], ['l2', 1]])], [])).reason, 'NOTHING_TO_SHIP');
  });
  test('bad requests name their fields', () => {
    const err = domainErrorOf(() => planShipment(order, [], [{ orderLineId: 'nope', sku: '', quantity: 1 }, { orderLineId: 'l1', sku: '', quantity: 0 }, { orderLineId: 'l2', sku: '', quantity: 2 }]));
    assert.deepEqual(err.fieldViolations.map((v) => v.field), ['lines[0].order_line_id', 'lines[1].quantity', 'lines[2].quantity']);
  });
  test('fulfilment counts shipped and delivered units', () => {
    const f = fulfilmentOf('o1', order, [shipped([['l1', 3]], S.SHIPMENT_STATUS_DELIVERED), shipped([['l2', 1]])]);
    assert.deepEqual([f.fullyShipped, f.fullyDelivered], [true, false]);
    assert.deepEqual(f.lines, [{ orderLineId: 'l1', ordered: 3, shipped: 3, delivered: 3 }, { orderLineId: 'l2', ordered: 1, shipped: 1, delivered: 0 }]);
  });
});

describe('tracking numbers', () => {
  const cases: Array<[string, string, boolean]> = [
    ['ups', '1Z999AA10123456784', true], ['ups', '1Z999AA1012345678', false], ['dhl_express', '1234567890', true], ['dhl_express', '12345', false],
    ['royal_mail', 'AB123456789GB', true], ['royal_mail', 'AB123456789DE', false], ['usps', '9400111899223197428490', true], ['fedex', '123456789012', true],
    ['other', 'ABC-12345', true], ['other', 'A', false], ['unknown-carrier', 'anything', true],
  ];
  for (const [carrier, number, ok] of cases) test(`${carrier} ${number} ${ok ? 'fits' : 'does not fit'}`, () => assert.equal(trackingNumberProblem(carrier, number) === null, ok));
});

describe('webhook signatures', () => {
  const body = Buffer.from('{"events":[]}');
  const now = 1_800_000_000;
  test('a signature by the secret over this body verifies', () => assert.equal(verifyWebhookSignature(signWebhook('s3cret', body, now), body, ['s3cret'], now), true));
  test('another secret, another body, or a tampered mac fail', () => {
    assert.equal(verifyWebhookSignature(signWebhook('other', body, now), body, ['s3cret'], now), false);
    assert.equal(verifyWebhookSignature(signWebhook('s3cret', body, now), Buffer.from('{"events":[1]}'), ['s3cret'], now), false);
    assert.equal(verifyWebhookSignature(signWebhook('s3cret', body, now).replace(/.$/, '0'), body, ['s3cret'], now), false);
    assert.equal(verifyWebhookSignature('garbage', body, ['s3cret'], now), false);
  });
  test('old timestamps are replays', () => assert.equal(verifyWebhookSignature(signWebhook('s3cret', body, now - 301), body, ['s3cret'], now), false));
  test('either secret verifies during a rotation', () => assert.equal(verifyWebhookSignature(signWebhook('new', body, now), body, ['old', 'new'], now), true));
});
