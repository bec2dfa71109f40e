// `npm start`: the whole local mesh with demo data. Infrastructure, every service (in
// one process) and the Envoy edge start on fixed loopback ports; data persists under
// .data/ between runs. Ctrl-C stops everything.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { generateFieldKey } from '../services/platform/src/crypto/field-cipher.js';
import { SERVICE_MAP } from '../services/platform/src/service-map.js';
import { adminToken, seedDemoCatalog, seedDemoShipping, seedDemoTax } from './seed.js';
import { ROOT, startStack, type StackPorts } from './harness/stack.js';

const env = process.env;
const positiveInt = (name: string, fallback: number, max: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got "${env[name]}"`);
  return value;
};
const port = (name: string, fallback: number) => positiveInt(name, fallback, 65535);

const ports: StackPorts = {
  edge: port('SHOP_HTTP_PORT', 8080),
  envoyAdmin: port('SHOP_ENVOY_ADMIN_PORT', 9901),
  mongo: port('SHOP_MONGO_PORT', 27027),
  nats: port('SHOP_NATS_PORT', 4322),
  redis: port('SHOP_REDIS_PORT', 6390),
  metrics: port('SHOP_METRICS_PORT', 9464),
  stripeMock: port('SHOP_STRIPE_MOCK_PORT', 12111),
  services: Object.fromEntries(SERVICE_MAP.map((s) => [s.name, Number((env[s.addrEnv] ?? `:${s.defaultPort}`).split(':').pop())])),
};
// Where logs and data go; SHOP_DATA_DIR lets the benchmarks time a cold start in a temp folder.
const dataDir = env['SHOP_DATA_DIR'] ? resolve(env['SHOP_DATA_DIR']) : join(ROOT, '.data');
const adminEmail = env['SHOP_SEED_ADMIN_EMAIL'] ?? 'admin@shopmesh.local';
const adminPassword = env['SHOP_SEED_ADMIN_PASSWORD'] ?? 'shopmesh-admin-1';

/**
 * The field-encryption key of the local mesh: SHOP_FIELD_KEYS/SHOP_FIELD_KEY_ID when
 * set, else a random key created on the first start and kept beside the data it
 * protects in .data/ (git-ignored, readable only by you). Deleting .data/ removes
 * both; deleting only the key file leaves encrypted fields in .data/ unreadable.
 */
function localFieldKeys(dataDir: string): Record<string, string> {
  if (env['SHOP_FIELD_KEYS'] || env['SHOP_FIELD_KEY_ID']) {
    return { SHOP_FIELD_KEYS: env['SHOP_FIELD_KEYS'] ?? '', SHOP_FIELD_KEY_ID: env['SHOP_FIELD_KEY_ID'] ?? '' };
  }
  const file = join(dataDir, 'field-keys.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const created = { SHOP_FIELD_KEYS: generateFieldKey('local-1'), SHOP_FIELD_KEY_ID: 'local-1' };
    // 'wx': never overwrite a key that already encrypted data.
    writeFileSync(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    console.log('created a field-encryption key for local data in .data/field-keys.json');
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (typeof saved['SHOP_FIELD_KEYS'] !== 'string' || typeof saved['SHOP_FIELD_KEY_ID'] !== 'string') {
    throw new Error(`${file} is damaged: restore it, or delete .data/ to start from scratch`);
  }
  return { SHOP_FIELD_KEYS: saved['SHOP_FIELD_KEYS'], SHOP_FIELD_KEY_ID: saved['SHOP_FIELD_KEY_ID'] };
}

async function assertFree(name: string, value: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer().once('error', () => reject(new Error(`port ${value} (${name}) is in use: stop what holds it or set another port (see README)`)));
    server.listen(value, '127.0.0.1', () => server.close(() => resolve()));
  });
}

const started = Date.now();
await assertFree('SHOP_HTTP_PORT', ports.edge);
for (const [name, value] of Object.entries({ envoyAdmin: ports.envoyAdmin, mongo: ports.mongo, nats: ports.nats, redis: ports.redis, metrics: ports.metrics, stripeMock: ports.stripeMock, ...ports.services })) {
  await assertFree(name, value);
}
console.log('starting MongoDB-wire server, NATS, Redis, services and Envoy ...');
const stack = await startStack({
  workDir: dataDir,
  persistent: true,
  ports,
  mesh: true,
  edgeRateLimitPerSecond: positiveInt('SHOP_EDGE_RATE_LIMIT_RPS', 200, 1_000_000),
  serviceEnv: { SHOP_SEED_ADMIN_EMAIL: adminEmail, SHOP_SEED_ADMIN_PASSWORD: adminPassword, ...localFieldKeys(dataDir) },
});
const created = await seedDemoCatalog(stack.edgeUrl, adminEmail, adminPassword);
const seedToken = await adminToken(stack.edgeUrl, adminEmail, adminPassword);
await seedDemoShipping(stack.edgeUrl, seedToken);
await seedDemoTax(stack.edgeUrl, seedToken);
const e = stack.edgeUrl;
console.log(`
shopmesh is up in ${((Date.now() - started) / 1000).toFixed(1)} s (${created} demo products created now; logs and data in .data/)

  JSON API (Envoy):   ${e}
  gRPC (same port):   ${e.replace('http://', '')}
  services:           ${SERVICE_MAP.map((s) => `${s.name} 127.0.0.1:${ports.services[s.name]}`).join(', ')}
  metrics:            http://127.0.0.1:${ports.metrics}/metrics
  stripe-mock:        http://127.0.0.1:${ports.stripeMock} (the Stripe provider talks to it; the sandbox provider takes tok_test_success, tok_test_decline, tok_test_requires_action)
  admin login:        ${adminEmail} / ${adminPassword === 'shopmesh-admin-1' ? adminPassword : '(SHOP_SEED_ADMIN_PASSWORD)'}

Try:
  curl -s ${e}/v1/products?pageSize=3
  curl -s '${e}/v1/search/products?q=mugg'          # typo-tolerant search
  curl -s -X POST ${e}/v1/shipping:quote -d '{"destination":{"countryCode":"DE"},"items":[{"sku":"MUG-ENAMEL-350","quantity":2,"weightGrams":350}],"subtotal":{"currencyCode":"EUR","amountMinor":2980}}'
  curl -s '${e}/v1/availability?skus=MUG-ENAMEL-350&skus=PEN-BRASS'   # stock, public
  curl -s -X POST ${e}/v1/users -H 'content-type: application/json' \\
       -d '{"email":"ann@example.com","password":"a-long-password","displayName":"Ann"}'
  curl -s -X POST ${e}/v1/oauth/token -d grant_type=password -d username=ann@example.com -d password=a-long-password
  curl -s ${e}/v1/users/me -H "authorization: Bearer <access_token>"
  .tools/bin/grpcurl -plaintext 127.0.0.1:${ports.services['catalog']} list
  .tools/bin/grpcurl -plaintext -d '{"page_size": 2}' 127.0.0.1:${ports.services['catalog']} shop.catalog.v1.CatalogService/ListProducts

Ctrl-C stops everything.`);
