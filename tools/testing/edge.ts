import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Helpers for end-to-end tests that talk to the stack `npm test` started, through Envoy. */

export function edgeUrl(): string {
  const url = process.env['SHOP_EDGE_URL'];
  if (!url) throw new Error('SHOP_EDGE_URL is not set: run tests with `npm test`, which starts the stack');
  return url;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** One JSON (or form) request to the public API. */
export async function api<T = any>(method: string, path: string, options: { token?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const res = await fetch(`${edgeUrl()}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch { /* not JSON: keep the text for the assertion message */ }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** A unique, valid email for one test. */
export const uniqueEmail = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.com`;

/** A unique SKU for one test. */
export const uniqueSku = (label = 'SKU') => `${label}-${randomUUID().slice(0, 8)}`.toUpperCase();

/** Logs in with the password grant and returns the token response. */
export async function login(email: string, password: string): Promise<{ access_token: string; refresh_token: string; expires_in: number }> {
  const res = await api('POST', '/v1/oauth/token', { form: { grant_type: 'password', username: email, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Registers a fresh customer and logs them in. */
export async function newCustomer(): Promise<{ id: string; email: string; password: string; token: string }> {
  const email = uniqueEmail('customer');
  const password = 'customer-password-1';
  const res = await api('POST', '/v1/users', { json: { email, password, displayName: 'Test Customer' } });
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, email, password, token: (await login(email, password)).access_token };
}

let adminToken: Promise<string> | null = null;
/**
 * The seeded admin's access token (npm test seeds SHOP_TEST_ADMIN_EMAIL), shared by the
 * test files through the stack's work directory: one login per file would exceed the
 * identity service's 10 password grants per account and minute once a dozen files log in.
 */
export function admin(): Promise<string> {
  adminToken ??= sharedAdminToken();
  return adminToken;
}

async function sharedAdminToken(): Promise<string> {
  const dir = process.env['SHOP_TEST_WORKDIR'];
  const file = dir ? join(dir, 'admin-token.json') : null;
  if (file) {
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { token: string; expiresAt: number };
      if (saved.expiresAt > Date.now() + 60_000) return saved.token;
    } catch { /* none yet: log in */ }
  }
  const t = await login(process.env['SHOP_TEST_ADMIN_EMAIL']!, process.env['SHOP_TEST_ADMIN_PASSWORD']!);
  if (file) {
    const tmp = `${file}.${process.pid}`;
    await writeFile(tmp, JSON.stringify({ token: t.access_token, expiresAt: Date.now() + t.expires_in * 1000 }));
    await rename(tmp, file);
  }
  return t.access_token;
}

/** The field names a 400 body's BadRequest detail names. */
export function violatedFields(body: any): string[] {
  const detail = (body?.details ?? []).find((d: any) => String(d['@type']).endsWith('google.rpc.BadRequest'));
  return (detail?.fieldViolations ?? []).map((v: any) => v.field).sort();
}

/** The ErrorInfo reason of an error body. */
export function errorReason(body: any): string | undefined {
  return (body?.details ?? []).find((d: any) => String(d['@type']).endsWith('google.rpc.ErrorInfo'))?.reason;
}

let testWarehouse: Promise<string> | null = null;

/** Puts `units` of a SKU on the shelf of a test warehouse (created once per stack), as staff. */
export async function stockUp(sku: string, units: number): Promise<void> {
  const token = await admin();
  testWarehouse ??= (async () => {
    const list = await api('GET', '/v1/warehouses?pageSize=200', { token });
    const found = (list.body.warehouses ?? []).find((w: { code: string }) => w.code === 'TEST-STOCK');
    if (found) return found.id as string;
    const created = await api('POST', '/v1/warehouses', { token, json: { code: 'TEST-STOCK', name: 'Test stock', priority: 50 } });
    if (created.status === 409) return (await api('GET', '/v1/warehouses?pageSize=200', { token })).body.warehouses.find((w: { code: string }) => w.code === 'TEST-STOCK').id as string;
    return created.body.id as string;
  })();
  const res = await api('POST', '/v1/stock-adjustments', { token, json: { sku, warehouseId: await testWarehouse, quantityDelta: units, reason: 'ADJUSTMENT_REASON_RECEIVE', requestId: `stock-up:${sku}:${units}:${randomUUID()}` } });
  if (res.status !== 200) throw new Error(`stocking ${sku} failed: ${res.status} ${JSON.stringify(res.body)}`);
}
