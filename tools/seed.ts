// Demo data for `npm start`: a dozen products created through the public JSON API as
// the seeded admin, exactly as a shop's staff would. Idempotent: a product whose SKU
// already exists is left alone, so restarting the mesh never duplicates anything.

export const DEMO_PRODUCTS = [
  { sku: 'MUG-ENAMEL-350', name: 'Enamel camp mug 350 ml', description: 'Powder-coated steel, dishwasher safe.', amountMinor: 1490 },
  { sku: 'TEE-ORGANIC-M', name: 'Organic cotton T-shirt (M)', description: '180 g/m² jersey, pre-shrunk.', amountMinor: 2490 },
  { sku: 'TOTE-CANVAS', name: 'Heavy canvas tote bag', description: '12 oz canvas with inner pocket.', amountMinor: 1900 },
  { sku: 'BOTTLE-STEEL-750', name: 'Insulated steel bottle 750 ml', description: 'Keeps drinks cold for 24 h.', amountMinor: 3290 },
  { sku: 'NOTEBOOK-A5-DOT', name: 'A5 dotted notebook', description: '160 pages, 100 g/m² paper.', amountMinor: 1290 },
  { sku: 'PEN-BRASS', name: 'Brass ballpoint pen', description: 'Solid brass body, refillable.', amountMinor: 3900 },
  { sku: 'SOCKS-WOOL-42', name: 'Merino wool socks (42-45)', description: 'Cushioned sole, 70% merino.', amountMinor: 1690 },
  { sku: 'CAP-WASHED', name: 'Washed cotton cap', description: 'Adjustable strap, one size.', amountMinor: 2200 },
  { sku: 'CANDLE-SOY-200', name: 'Soy candle 200 g', description: 'Cedar and bergamot, 45 h burn time.', amountMinor: 2450 },
  { sku: 'APRON-LINEN', name: 'Linen apron', description: 'Stonewashed linen with two pockets.', amountMinor: 4500 },
  { sku: 'BOARD-OAK-S', name: 'Oak cutting board (small)', description: '30 × 20 cm, oiled oak.', amountMinor: 3800 },
  { sku: 'KEYRING-LEATHER', name: 'Leather key ring', description: 'Vegetable-tanned leather.', amountMinor: 900 },
] as const;

async function adminToken(edgeUrl: string, adminEmail: string, adminPassword: string): Promise<string> {
  const tokenRes = await fetch(`${edgeUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: adminEmail, password: adminPassword }),
  });
  if (!tokenRes.ok) throw new Error(`seed: admin login failed (${tokenRes.status}): ${await tokenRes.text()}`);
  return ((await tokenRes.json()) as { access_token: string }).access_token;
}

/** Logs in as the admin and creates every demo product that is missing; returns how many were created. */
export async function seedDemoCatalog(edgeUrl: string, adminEmail: string, adminPassword: string): Promise<number> {
  const token = await adminToken(edgeUrl, adminEmail, adminPassword);
  await seedDemoInventory(edgeUrl, token);
  let created = 0;
  for (const p of DEMO_PRODUCTS) {
    const res = await fetch(`${edgeUrl}/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: p.name, description: p.description, sku: p.sku, price: { currencyCode: 'EUR', amountMinor: p.amountMinor }, status: 'PRODUCT_STATUS_ACTIVE' }),
    });
    if (res.ok) created++;
    else if (res.status !== 409) throw new Error(`seed: creating ${p.sku} failed (${res.status}): ${await res.text()}`);
  }
  return created;
}

/** The demo warehouse every demo product is stocked in. */
export const DEMO_WAREHOUSE = { code: 'MAIN', name: 'Main warehouse', priority: 1, address: { line1: 'Lagerstrasse 1', city: 'Berlin', postalCode: '10115', countryCode: 'DE' } };

/**
 * The main warehouse and stock for each demo product (10 to 60 units, a reorder point
 * of 5). Idempotent: the warehouse is found by its code, and a product whose stock level
 * exists is left alone, so restarts never add stock twice.
 */
export async function seedDemoInventory(edgeUrl: string, token: string): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${edgeUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  const created = await call('POST', '/v1/warehouses', DEMO_WAREHOUSE);
  let warehouseId: string | undefined = created.body?.id;
  if (created.status === 409) {
    const list = await call('GET', '/v1/warehouses?pageSize=200');
    warehouseId = (list.body?.warehouses ?? []).find((w: { code: string }) => w.code === DEMO_WAREHOUSE.code)?.id;
  }
  if (!warehouseId) throw new Error(`seed: creating the demo warehouse failed (${created.status}): ${JSON.stringify(created.body)}`);
  for (const [i, p] of DEMO_PRODUCTS.entries()) {
    const existing = await call('GET', `/v1/stock?sku=${p.sku}&warehouseId=${warehouseId}`);
    if ((existing.body?.stockLevels ?? []).length > 0) continue;
    const quantityDelta = 10 + ((i * 7) % 6) * 10;
    const res = await call('POST', '/v1/stock-adjustments', { sku: p.sku, warehouseId, quantityDelta, reason: 'ADJUSTMENT_REASON_RECEIVE', note: 'demo stock', requestId: `seed:${p.sku}` });
    if (res.status !== 200) throw new Error(`seed: stocking ${p.sku} failed (${res.status}): ${JSON.stringify(res.body)}`);
    await call('PATCH', `/v1/warehouses/${warehouseId}/stock/${p.sku}?updateMask=reorderPoint,reorderQuantity`, { reorderPoint: 5, reorderQuantity: 50 });
  }
}
