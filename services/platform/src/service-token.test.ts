import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MESH_CLIENT_SCOPES, meshServiceAccountsEnv, ServiceTokenSource } from './service-token.js';

function source(answers: Array<{ access_token?: unknown; expires_in?: unknown } | Error>) {
  let now = 1_000_000;
  const forms: string[] = [];
  const tokens = new ServiceTokenSource(
    async (form) => {
      forms.push(form);
      await new Promise((r) => setTimeout(r, 5));
      const next = answers.shift();
      if (!next || next instanceof Error) throw next ?? new Error('no answer left');
      return next;
    },
    'mesh-cart',
    'x'.repeat(40),
    () => now,
  );
  return { tokens, forms, advance: (ms: number) => (now += ms) };
}

test('one fetch serves concurrent callers, with client credentials in the form', async () => {
  const s = source([{ access_token: 't1', expires_in: 900 }]);
  assert.deepEqual(await Promise.all([s.tokens.token(), s.tokens.token(), s.tokens.token()]), ['t1', 't1', 't1']);
  assert.equal(s.forms.length, 1);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(s.forms[0])), { grant_type: 'client_credentials', client_id: 'mesh-cart', client_secret: 'x'.repeat(40) });
});

test('the token is renewed a minute before it expires', async () => {
  const s = source([{ access_token: 't1', expires_in: 900 }, { access_token: 't2', expires_in: 900 }]);
  assert.equal(await s.tokens.token(), 't1');
  s.advance(839_000);
  assert.equal(await s.tokens.token(), 't1');
  s.advance(1_000);
  assert.equal(await s.tokens.token(), 't2');
});

test('a failed fetch is not cached: the next call asks again', async () => {
  const s = source([new Error('identity down'), { access_token: 't1', expires_in: 900 }]);
  await assert.rejects(s.tokens.token(), /identity down/);
  assert.equal(await s.tokens.token(), 't1');
});

test('an answer without a token is an error', async () => {
  const s = source([{ error: 'invalid_client' } as never]);
  await assert.rejects(s.tokens.token(), /gave no token/);
});

test('service accounts for identity and each caller secret come from one secret per caller', () => {
  const secrets = Object.fromEntries(Object.keys(MESH_CLIENT_SCOPES).map((s) => [s, `${s}-`.padEnd(40, 's')]));
  const env = meshServiceAccountsEnv(secrets);
  const accounts = JSON.parse(env['SHOP_SERVICE_ACCOUNTS']!) as Array<{ clientId: string; scopes: string[] }>;
  assert.deepEqual(accounts.map((a) => a.clientId).sort(), Object.keys(MESH_CLIENT_SCOPES).map((s) => `mesh-${s}`).sort());
  assert.equal(env['SHOP_CART_CLIENT_SECRET'], secrets['cart']);
  assert.throws(() => meshServiceAccountsEnv({}), /no mesh client secret/);
});
