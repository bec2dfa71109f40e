import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { InventoryServiceService } from '../../../gen/shop/inventory/v1/inventory_service.js';
import { readStatusDetails } from '../../platform/src/errors.js';
import { createServiceClient, type ServiceClient } from '../../platform/src/grpc/client.js';
import { admin, api, uniqueSku } from '../../../tools/testing/edge.js';

/** A gRPC client straight to the inventory service of the test stack. */
export function inventoryClient(): ServiceClient<typeof InventoryServiceService> {
  const address = process.env['SHOP_INVENTORY_ADDR'];
  assert.ok(address, 'the test stack sets SHOP_INVENTORY_ADDR');
  return createServiceClient(InventoryServiceService, { name: 'inventory-test', address, timeoutMs: 20_000, maxConcurrent: 500, maxQueued: 1000 });
}

/** A service account with these scopes, and a client_credentials token for it (as cart and order get theirs). */
export async function serviceToken(scopes: string[]): Promise<string> {
  const created = await api('POST', '/v1/service-accounts', { token: await admin(), json: { name: `inventory test ${scopes.join(' ')}`, scopes } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const basic = Buffer.from(`${created.body.clientId}:${created.body.clientSecret}`).toString('base64');
  const res = await api('POST', '/v1/oauth/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: `Basic ${basic}` } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token;
}

/** A new warehouse (staff API); lower priority numbers are used first. */
export async function newWarehouse(priority = 10, name = 'Test warehouse'): Promise<string> {
  const code = uniqueSku('WH').slice(0, 32);
  const res = await api('POST', '/v1/warehouses', { token: await admin(), json: { code, name, priority, address: { city: 'Berlin', countryCode: 'DE' } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id;
}

/** Changes on_hand through the staff API; asserts it worked. */
export async function adjust(sku: string, warehouseId: string, quantityDelta: number, reason = quantityDelta > 0 ? 'ADJUSTMENT_REASON_RECEIVE' : 'ADJUSTMENT_REASON_COUNT_CORRECTION'): Promise<any> {
  const res = await api('POST', '/v1/stock-adjustments', { token: await admin(), json: { sku, warehouseId, quantityDelta, reason } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Every stock level of a SKU, as staff see them. */
export async function levelsOf(sku: string): Promise<Array<{ warehouseId: string; onHand: number; reserved: number; available: number; low?: boolean }>> {
  const res = await api('GET', `/v1/stock?sku=${encodeURIComponent(sku)}`, { token: await admin() });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.stockLevels ?? []).map((l: any) => ({ warehouseId: l.warehouseId, onHand: Number(l.onHand ?? 0), reserved: Number(l.reserved ?? 0), available: Number(l.available ?? 0), low: l.low ?? false }));
}

/** The sum of the ledger of a SKU in a warehouse (every page). */
export async function ledgerSum(sku: string, warehouseId: string): Promise<number> {
  let sum = 0;
  let pageToken = '';
  do {
    const res = await api('GET', `/v1/stock-ledger?sku=${encodeURIComponent(sku)}&warehouseId=${warehouseId}&pageSize=200&pageToken=${pageToken}`, { token: await admin() });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const e of res.body.entries ?? []) sum += Number(e.quantityDelta);
    pageToken = res.body.nextPageToken ?? '';
  } while (pageToken);
  return sum;
}

/** The gRPC code and ErrorInfo reason a call failed with. */
export async function failure(call: Promise<unknown>): Promise<{ code: number; reason: string | undefined; fields: string[] }> {
  try {
    await call;
  } catch (err) {
    const e = err as ServiceError;
    const details = readStatusDetails(e);
    return { code: e.code, reason: details.errorInfo?.reason, fields: (details.badRequest?.fieldViolations ?? []).map((v) => v.field).sort() };
  }
  assert.fail('expected the call to fail');
}

/** Polls until check passes or the deadline runs out (background work is asynchronous). */
export async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export { status, uniqueSku };
