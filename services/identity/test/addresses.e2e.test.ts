import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { api, errorReason, newCustomer, violatedFields } from '../../../tools/testing/edge.js';
import { closeIdentityDb, identityDb, rawDoc } from './identity-db.js';

after(closeIdentityDb);

const home = {
  fullName: 'Ann Example',
  company: 'Example GmbH',
  line1: 'Unter den Linden 1',
  line2: 'Hinterhaus, 3. OG',
  city: 'Berlin',
  postalCode: '10117',
  countryCode: 'de',
  phone: '+49 30 1234567',
};

async function addAddress(token: string, address: Record<string, unknown> = home, flags: Record<string, boolean> = {}) {
  // The body is the address; the default flags are request fields, so they go in the query.
  const query = new URLSearchParams(Object.entries(flags).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return api('POST', `/v1/users/me/addresses${query ? `?${query}` : ''}`, { token, json: address });
}

describe('address book CRUD', () => {
  test('creates, lists, updates with a mask and deletes', async () => {
    const c = await newCustomer();
    const created = await addAddress(c.token);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const a = created.body;
    assert.ok(a.id);
    assert.equal(a.countryCode, 'DE');
    assert.equal(a.phone, '+49301234567');
    assert.equal(a.etag, '"1"');
    assert.equal(a.fullName, 'Ann Example');

    const list = await api('GET', '/v1/users/me/addresses', { token: c.token });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.addresses, [a]);

    const updated = await api('PATCH', `/v1/users/me/addresses/${a.id}?updateMask=line1,company`, { token: c.token, json: { line1: 'Friedrichstr. 43', company: '', city: 'ignored', etag: a.etag } });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.line1, 'Friedrichstr. 43');
    assert.equal(updated.body.company ?? '', '');
    assert.equal(updated.body.city, 'Berlin');
    assert.equal(updated.body.etag, '"2"');

    const stale = await api('PATCH', `/v1/users/me/addresses/${a.id}?updateMask=line1`, { token: c.token, json: { line1: 'Somewhere else 1', etag: a.etag } });
    assert.equal(stale.status, 409);
    assert.equal(errorReason(stale.body), 'ETAG_MISMATCH');

    assert.equal((await api('DELETE', `/v1/users/me/addresses/${a.id}`, { token: c.token })).status, 200);
    assert.deepEqual((await api('GET', '/v1/users/me/addresses', { token: c.token })).body.addresses ?? [], []);
    assert.equal((await api('DELETE', `/v1/users/me/addresses/${a.id}`, { token: c.token })).status, 404);
  });

  test('an update validates the result: a new country re-checks postal code and region', async () => {
    const c = await newCustomer();
    const a = (await addAddress(c.token)).body;
    const res = await api('PATCH', `/v1/users/me/addresses/${a.id}?updateMask=countryCode`, { token: c.token, json: { countryCode: 'CA' } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['postal_code', 'region']);
    const moved = await api('PATCH', `/v1/users/me/addresses/${a.id}?updateMask=countryCode,postalCode,region,city`, {
      token: c.token,
      json: { countryCode: 'US', postalCode: '941051234', region: 'ca', city: 'San Francisco' },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.postalCode, '94105-1234');
    assert.equal(moved.body.region, 'CA');
    const readOnly = await api('PATCH', `/v1/users/me/addresses/${a.id}?updateMask=etag`, { token: c.token, json: {} });
    assert.deepEqual(violatedFields(readOnly.body), ['update_mask']);
  });

  test('concurrent updates with one etag: exactly one wins', async () => {
    const c = await newCustomer();
    const a = (await addAddress(c.token)).body;
    const results = await Promise.all(
      [1, 2, 3].map((i) => api('PATCH', `/v1/users/me/addresses/${a.id}?updateMask=line2`, { token: c.token, json: { line2: `Flat ${i}`, etag: a.etag } })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409]);
  });
});

describe('address validation per country', () => {
  const cases: Array<{ name: string; address: Record<string, string>; fields: string[] }> = [
    { name: 'missing required fields', address: { countryCode: 'DE', postalCode: '10117' }, fields: ['city', 'full_name', 'line1'] },
    { name: 'an unknown country', address: { ...home, countryCode: 'XX' }, fields: ['country_code'] },
    { name: 'a US address without a state', address: { ...home, countryCode: 'US', postalCode: '94105' }, fields: ['region'] },
    { name: 'a US ZIP of 6 digits', address: { ...home, countryCode: 'US', postalCode: '941050', region: 'CA' }, fields: ['postal_code'] },
    { name: 'a Canadian address without a province', address: { ...home, countryCode: 'CA', postalCode: 'K1A 0B1' }, fields: ['region'] },
    { name: 'a UK postcode that is not one', address: { ...home, countryCode: 'GB', postalCode: '10117' }, fields: ['postal_code'] },
    { name: 'a French code of 4 digits', address: { ...home, countryCode: 'FR', postalCode: '7500' }, fields: ['postal_code'] },
    { name: 'a Dutch code without letters', address: { ...home, countryCode: 'NL', postalCode: '1012' }, fields: ['postal_code'] },
    { name: 'a Japanese code of the wrong shape', address: { ...home, countryCode: 'JP', postalCode: '12-34567' }, fields: ['postal_code'] },
    { name: 'a phone that is not E.164', address: { ...home, phone: '030 1234567' }, fields: ['phone'] },
  ];
  for (const { name, address, fields } of cases) {
    test(`rejects ${name}`, async () => {
      const c = await newCustomer();
      const res = await addAddress(c.token, address);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(violatedFields(res.body), fields);
    });
  }

  const valid: Array<[string, string, string, string]> = [
    ['GB', 'sw1a1aa', '', 'SW1A 1AA'],
    ['NL', '1012ab', '', '1012 AB'],
    ['CA', 'k1a0b1', 'ON', 'K1A 0B1'],
    ['JP', '1000001', '', '100-0001'],
    ['FR', '75008', '', '75008'],
  ];
  for (const [country, postal, region, canonical] of valid) {
    test(`accepts a ${country} address and writes its postal code as ${canonical}`, async () => {
      const c = await newCustomer();
      const res = await addAddress(c.token, { ...home, countryCode: country, postalCode: postal, region });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.postalCode, canonical);
    });
  }
});

describe('customers reach only their own addresses (BOLA)', () => {
  test('another customer\'s address id is 404 on update and delete, and is not listed', async () => {
    const alice = await newCustomer();
    const mallory = await newCustomer();
    const a = (await addAddress(alice.token)).body;

    const update = await api('PATCH', `/v1/users/me/addresses/${a.id}?updateMask=line1`, { token: mallory.token, json: { line1: 'Stolen 1' } });
    assert.equal(update.status, 404);
    assert.equal(errorReason(update.body), 'ADDRESS_NOT_FOUND');
    assert.equal((await api('DELETE', `/v1/users/me/addresses/${a.id}`, { token: mallory.token })).status, 404);
    assert.deepEqual((await api('GET', '/v1/users/me/addresses', { token: mallory.token })).body.addresses ?? [], []);
    const asDefault = await api('PATCH', '/v1/users/me?updateMask=defaultShippingAddressId', { token: mallory.token, json: { defaultShippingAddressId: a.id } });
    assert.equal(asDefault.status, 400);
    assert.deepEqual(violatedFields(asDefault.body), ['default_shipping_address_id']);

    assert.deepEqual((await api('GET', '/v1/users/me/addresses', { token: alice.token })).body.addresses, [a], 'unchanged');
  });

  test('without a token the address book is 401', async () => {
    assert.equal((await api('GET', '/v1/users/me/addresses')).status, 401);
  });
});

describe('default addresses', () => {
  test('set on create or by PATCH /v1/users/me; deleting the address clears them', async () => {
    const c = await newCustomer();
    const first = await addAddress(c.token, home, { setDefaultShipping: true });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    let me = (await api('GET', '/v1/users/me', { token: c.token })).body;
    assert.equal(me.defaultShippingAddressId, first.body.id);
    assert.equal(me.defaultBillingAddressId ?? '', '');

    const second = (await addAddress(c.token, { ...home, line1: 'Karl-Marx-Allee 2' })).body;
    const patched = await api('PATCH', '/v1/users/me?updateMask=defaultBillingAddressId', { token: c.token, json: { defaultBillingAddressId: second.id } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.defaultBillingAddressId, second.id);
    assert.equal(patched.body.defaultShippingAddressId, first.body.id);

    assert.equal((await api('PATCH', '/v1/users/me?updateMask=defaultShippingAddressId', { token: c.token, json: { defaultShippingAddressId: second.id } })).status, 200);
    assert.equal((await api('DELETE', `/v1/users/me/addresses/${second.id}`, { token: c.token })).status, 200);
    me = (await api('GET', '/v1/users/me', { token: c.token })).body;
    assert.equal(me.defaultShippingAddressId ?? '', '');
    assert.equal(me.defaultBillingAddressId ?? '', '');
  });

  test('an unknown address id cannot become a default', async () => {
    const c = await newCustomer();
    const res = await api('PATCH', '/v1/users/me?updateMask=defaultBillingAddressId', { token: c.token, json: { defaultBillingAddressId: 'no-such-address' } });
    assert.equal(res.status, 400);
    assert.deepEqual(violatedFields(res.body), ['default_billing_address_id']);
  });
});

describe('the 50-address cap', () => {
  test('holds under concurrent creates', async () => {
    const c = await newCustomer();
    const results = await Promise.all(Array.from({ length: 55 }, (_, i) => addAddress(c.token, { ...home, line1: `Teststr. ${i + 1}` })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 50, JSON.stringify(statuses));
    const refused = results.filter((r) => r.status !== 200);
    assert.ok(refused.every((r) => r.status === 400 && errorReason(r.body) === 'ADDRESS_BOOK_FULL'), JSON.stringify(refused.map((r) => r.body)));
    assert.equal((await api('GET', '/v1/users/me/addresses', { token: c.token })).body.addresses.length, 50);
  });
});

describe('personal fields are unreadable in the raw database', () => {
  test('name, company, street lines and phone are ciphertext; ciphertext moved to another address does not decrypt', async () => {
    const c = await newCustomer();
    const a = (await addAddress(c.token)).body;
    const b = (await addAddress(c.token, { ...home, line1: 'Alexanderplatz 9', fullName: 'Bob Example' })).body;
    const raw = await rawDoc('addresses', { _id: a.id });
    assert.ok(raw, 'stored');
    const text = JSON.stringify(raw);
    for (const clear of [home.fullName, home.company, home.line1, home.line2, 'Linden', '1234567']) assert.ok(!text.includes(clear), `"${clear}" must not be readable`);
    assert.equal(raw!['city'], 'Berlin', 'coarse location stays in clear');
    assert.equal(raw!['userId'], c.id);

    // The AAD binds each value to its address and field: copied to another record it fails.
    const db = await identityDb();
    await db.collection('addresses').updateOne({ _id: b.id } as never, { $set: { line1Enc: raw!['line1Enc'] } });
    assert.equal((await api('GET', '/v1/users/me/addresses', { token: c.token })).status, 500);
    await db.collection('addresses').deleteOne({ _id: b.id } as never);
    assert.equal((await api('GET', '/v1/users/me/addresses', { token: c.token })).status, 200);
  });
});
