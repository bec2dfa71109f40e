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

/** The demo zone and its methods: standard (by weight, free over 50) and express (flat), in EUR and USD. */
export const DEMO_SHIPPING = {
  zone: { name: 'Demo: EU core, UK and US', countryCodes: ['DE', 'FR', 'NL', 'GB', 'US'] },
  methods: [
    {
      name: 'Standard', kind: 'SHIPPING_METHOD_KIND_STANDARD', rateType: 'RATE_TYPE_WEIGHT_BANDS', minBusinessDays: 2, maxBusinessDays: 5, active: true, volumetricDivisor: 5000,
      rates: [
        { currencyCode: 'EUR', bands: [{ upTo: 2000, amountMinor: 490 }, { upTo: 10000, amountMinor: 790 }, { upTo: 31500, amountMinor: 1490 }], freeAtSubtotalMinor: 5000 },
        { currencyCode: 'USD', bands: [{ upTo: 2000, amountMinor: 590 }, { upTo: 10000, amountMinor: 990 }, { upTo: 31500, amountMinor: 1790 }], freeAtSubtotalMinor: 6000 },
      ],
    },
    {
      name: 'Express', kind: 'SHIPPING_METHOD_KIND_EXPRESS', rateType: 'RATE_TYPE_FLAT', minBusinessDays: 1, maxBusinessDays: 2, active: true, maxWeightGrams: 31500,
      rates: [{ currencyCode: 'EUR', amountMinor: 1290 }, { currencyCode: 'USD', amountMinor: 1590 }],
    },
  ],
} as const;

/**
 * Creates the demo shipping zone and its methods unless a zone of that name exists
 * (zone names are unique, so racing seeds create it once; a method missing from an
 * existing demo zone is added by name). Returns how many things it created.
 */
export async function seedDemoShipping(edgeUrl: string, token: string): Promise<number> {
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(`${edgeUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: json === undefined ? undefined : JSON.stringify(json) });
    return { status: res.status, body: (await res.json()) as any };
  };
  let created = 0;
  const made = await call('POST', '/v1/shipping-zones', DEMO_SHIPPING.zone);
  if (made.status === 200) created++;
  else if (made.status !== 409) throw new Error(`seed: creating the demo shipping zone failed (${made.status}): ${JSON.stringify(made.body)}`);
  const zones = await call('GET', '/v1/shipping-zones?pageSize=200');
  const zone = (zones.body.zones as Array<{ id: string; name: string }>).find((z) => z.name === DEMO_SHIPPING.zone.name);
  if (!zone) throw new Error('seed: the demo shipping zone is missing after creating it');
  const existing = await call('GET', `/v1/shipping-methods?zoneId=${zone.id}&pageSize=200`);
  const names = new Set((existing.body.methods as Array<{ name: string }>).map((m) => m.name));
  for (const method of DEMO_SHIPPING.methods) {
    if (names.has(method.name)) continue;
    const res = await call('POST', '/v1/shipping-methods', { ...method, zoneId: zone.id });
    if (res.status === 409) continue; // a racing seed created it (names are unique per zone)
    if (res.status !== 200) throw new Error(`seed: creating shipping method ${method.name} failed (${res.status}): ${JSON.stringify(res.body)}`);
    created++;
  }
  return created;
}

/** The admin's access token (password grant), for the seeds. */
export async function adminToken(edgeUrl: string, adminEmail: string, adminPassword: string): Promise<string> {
  const tokenRes = await fetch(`${edgeUrl}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: adminEmail, password: adminPassword }),
  });
  if (!tokenRes.ok) throw new Error(`seed: admin login failed (${tokenRes.status}): ${await tokenRes.text()}`);
  return ((await tokenRes.json()) as { access_token: string }).access_token;
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

/** Demo VAT for the demo shipping countries: prices include it, shipping is taxed too. The US demo has no sales tax rule. */
export const DEMO_TAX_RULES = [
  { countryCode: 'DE', rateBps: 1900, name: 'MwSt' },
  { countryCode: 'FR', rateBps: 2000, name: 'TVA' },
  { countryCode: 'NL', rateBps: 2100, name: 'BTW' },
  { countryCode: 'GB', rateBps: 2000, name: 'VAT' },
] as const;

/** Creates the demo tax rules that are missing (one rule per country: a taken one is 409). */
export async function seedDemoTax(edgeUrl: string, token: string): Promise<number> {
  let created = 0;
  for (const rule of DEMO_TAX_RULES) {
    const res = await fetch(`${edgeUrl}/v1/tax-rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...rule, pricesIncludeTax: true, taxShipping: true }),
    });
    if (res.ok) created++;
    else if (res.status !== 409) throw new Error(`seed: creating the ${rule.countryCode} tax rule failed (${res.status}): ${await res.text()}`);
  }
  return created;
}
