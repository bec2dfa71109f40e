import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { admin, api, edgeUrl } from '../../../tools/testing/edge.js';
import { signWebhook } from '../src/domain/webhook-signature.js';

/** The webhook carrier's secret the test stack was started with (tools/test.ts). */
export function webhookSecret(): string {
  const carriers = JSON.parse(process.env['SHOP_SHIPPING_CARRIERS'] ?? '[]') as Array<{ code: string; secrets: string[] }>;
  const secret = carriers.find((c) => c.code === 'webhook')?.secrets[0];
  if (!secret) throw new Error('SHOP_SHIPPING_CARRIERS has no webhook carrier: run with npm test');
  return secret;
}

/** Posts a carrier delivery to the webhook endpoint, signed with `secret` (or with a signature given). */
export async function postWebhook(events: unknown[], o: { secret?: string; signature?: string; carrier?: string; body?: string } = {}) {
  const body = o.body ?? JSON.stringify({ events });
  const signature = o.signature ?? signWebhook(o.secret ?? webhookSecret(), Buffer.from(body), Math.floor(Date.now() / 1000));
  const res = await fetch(`${edgeUrl()}/v1/shipping/webhooks/${o.carrier ?? 'webhook'}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shop-signature': signature }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const berlin = { fullName: 'Ann Example', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', countryCode: 'DE' };

/** A fresh order id and its lines. */
export function newOrder(lines: Array<[sku: string, quantity: number]>) {
  const orderId = `ord-${randomUUID().slice(0, 12)}`;
  return { orderId, orderLines: lines.map(([sku, quantity], i) => ({ orderLineId: `l${i + 1}`, sku, quantity })) };
}

/** CreateShipment as staff (or with `token`), returning the raw response. */
export async function ship(order: ReturnType<typeof newOrder>, customerId: string, fields: Record<string, unknown> = {}, token?: string) {
  return api('POST', `/v1/orders/${order.orderId}/shipments`, {
    token: token ?? (await admin()),
    json: { customerId, orderLines: order.orderLines, warehouseId: 'wh-berlin', carrier: 'manual', carrierName: 'other', destination: berlin, ...fields },
  });
}

/** A tracking number the test webhook carrier accepts (^WH[0-9]{8,12}$). */
export const webhookTrackingNumber = () => `WH${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;

export function ok<T = any>(res: { status: number; body: T }): T {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}
