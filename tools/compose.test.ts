// Unit tests of compose/: the compose file is valid for docker compose (checked by
// tools/compose-check, built by tools/setup.sh from compose-spec/compose-go, the
// loader docker compose uses; no Docker engine needed), agrees with the service
// map and with the Envoy bootstrap, and compose/envoy.json is a fresh render.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { SERVICE_MAP } from '../services/platform/src/service-map.js';

// The resolved compose project and the Envoy bootstrap are plain JSON; walk them untyped.
type J = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECKER = join(ROOT, '.tools/bin/compose-check');
const COMPOSE_FILE = join(ROOT, 'compose/docker-compose.yaml');
const ENV_EXAMPLE = join(ROOT, 'compose/.env.example');
const ENVOY_JSON = join(ROOT, 'compose/envoy.json');
const ENVOY_BIN = join(ROOT, '.tools/bin/envoy');
const DESCRIPTOR = join(ROOT, 'envoy/descriptor.binpb');
const HEALTHCHECK = join(ROOT, 'compose/healthcheck.mjs');

const INFRA = ['mongo', 'nats', 'redis', 'stripe-mock', 'envoy'];

const scratch = mkdtempSync(join(tmpdir(), 'shopmesh-compose-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function check(file: string, ...args: string[]) {
  assert.ok(existsSync(CHECKER), `${CHECKER} is missing: run bash tools/setup.sh`);
  const result = spawnSync(CHECKER, [...args, file], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.error, undefined, String(result.error));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let projectCache: J | undefined;
/** The project as docker compose resolves it (`docker compose config --format json`). */
function project(): J {
  if (!projectCache) {
    const r = check(COMPOSE_FILE, '-json', '-env-file', ENV_EXAMPLE);
    assert.equal(r.status, 0, r.stderr);
    projectCache = JSON.parse(r.stdout);
  }
  return projectCache;
}

const envoyConfig = (): J => JSON.parse(readFileSync(ENVOY_JSON, 'utf8'));

test('compose-check accepts compose/docker-compose.yaml with .env.example', () => {
  const r = check(COMPOSE_FILE, '-env-file', ENV_EXAMPLE);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: ok \(project shopmesh; /);
});

test('the stack has the infrastructure and one container per domain service', () => {
  const services = project().services;
  const expected = [...INFRA, ...SERVICE_MAP.map((s) => s.name)].sort();
  assert.deepEqual(Object.keys(services).sort(), expected);
  for (const { name, defaultPort, addrEnv } of SERVICE_MAP) {
    const s = services[name];
    assert.deepEqual(s.command, [name], `${name} runs services/mesh.ts ${name}`);
    assert.equal(s.build.target, 'service', `${name} is built from the service stage`);
    // Every service container knows where every service listens (the service map's ports).
    for (const other of SERVICE_MAP) {
      assert.equal(s.environment[other.addrEnv], `${other.name}:${other.defaultPort}`, `${name}: ${other.addrEnv}`);
    }
    assert.equal(s.environment[addrEnv], `${name}:${defaultPort}`);
    assert.equal(s.environment.SHOP_GRPC_HOST, '0.0.0.0', `${name} must listen on all interfaces`);
    assert.equal(s.environment.SHOP_ENV, 'production');
    assert.match(s.environment.SHOP_MONGO_URL, /^mongodb:\/\/mongo:27017\/\?replicaSet=rs0$/);
    assert.equal(s.environment.SHOP_NATS_URL, 'nats://nats:4222');
    assert.equal(s.environment.SHOP_REDIS_URL, 'redis://redis:6379');
    for (const dep of ['mongo', 'nats', 'redis']) {
      assert.equal(s.depends_on?.[dep]?.condition, 'service_healthy', `${name} waits for ${dep}`);
    }
    assert.ok(s.healthcheck?.test?.length, `${name} has a healthcheck`);
    assert.ok(s.restart, `${name} has a restart policy`);
  }
  // Secrets come from the environment, never from the compose file.
  const identityEnv = services.identity.environment;
  assert.equal(identityEnv.SHOP_SEED_ADMIN_PASSWORD, readEnvExample().SHOP_SEED_ADMIN_PASSWORD);
  assert.ok(!readFileSync(COMPOSE_FILE, 'utf8').includes(readEnvExample().SHOP_SEED_ADMIN_PASSWORD!), 'no secret in the compose file');
});

test('only the Envoy edge publishes a port', () => {
  const services = project().services;
  for (const [name, s] of Object.entries<J>(services)) {
    if (name === 'envoy') continue;
    assert.equal(s.ports, undefined, `${name} publishes no port`);
  }
  const ports = services.envoy.ports;
  assert.equal(ports.length, 1);
  assert.equal(ports[0].target, 8080);
  assert.equal(services.envoy.build.target, 'edge');
});

test('the services issue tokens the edge accepts, and the edge routes to the compose hosts', () => {
  const cfg = envoyConfig();
  const hcm = cfg.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const jwt = hcm.http_filters.find((f: J) => f.name === 'envoy.filters.http.jwt_authn').typed_config;
  const provider: J = Object.values(jwt.providers)[0];
  for (const { name } of SERVICE_MAP) {
    const env = project().services[name].environment;
    assert.equal(env.SHOP_JWT_ISSUER, provider.issuer, `${name}: SHOP_JWT_ISSUER must match compose/envoy.json`);
    assert.deepEqual([env.SHOP_JWT_AUDIENCE], provider.audiences, `${name}: SHOP_JWT_AUDIENCE must match compose/envoy.json`);
  }
  for (const { name, defaultPort } of SERVICE_MAP) {
    const cluster = cfg.static_resources.clusters.find((c: J) => c.name === name);
    assert.ok(cluster, `compose/envoy.json has a cluster for ${name}`);
    const address = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    assert.deepEqual(address, { address: name, port_value: defaultPort });
  }
  assert.deepEqual(cfg.static_resources.listeners[0].address.socket_address, { address: '0.0.0.0', port_value: 8080 });
});

test('compose/envoy.json is the current render of envoy/render.ts --compose', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'envoy/render.ts', '--compose'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    readFileSync(ENVOY_JSON, 'utf8') === r.stdout,
    'compose/envoy.json is stale: run `npx tsx envoy/render.ts --compose --out compose/envoy.json`',
  );
});

test('Envoy accepts compose/envoy.json (envoy --mode validate)', (t) => {
  if (!existsSync(ENVOY_BIN) || !existsSync(DESCRIPTOR)) {
    t.skip('no .tools/bin/envoy or envoy/descriptor.binpb (run bash tools/setup.sh)');
    return;
  }
  // The edge image has the descriptor set at /etc/envoy; point at the local one.
  const text = readFileSync(ENVOY_JSON, 'utf8');
  assert.ok(text.includes('"/etc/envoy/descriptor.binpb"'));
  const local = join(scratch, 'envoy.json');
  writeFileSync(local, text.replaceAll('"/etc/envoy/descriptor.binpb"', JSON.stringify(DESCRIPTOR)));
  const r = spawnSync(ENVOY_BIN, ['--mode', 'validate', '-c', local, '--log-level', 'error'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

// ---------------------------------------------------------------- the service image's healthcheck

/** Runs compose/healthcheck.mjs as the container does (asynchronously: the server under test is in this process). */
function healthcheck(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HEALTHCHECK, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('the healthcheck finds the port of each service in the service map', async () => {
  const r = await healthcheck('--print', 'all');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), SERVICE_MAP.map((s) => `127.0.0.1:${s.defaultPort}`).join(' '));
  const unknown = await healthcheck('--print', 'no-such-service');
  assert.equal(unknown.status, 1);
});

test('the healthcheck passes only while the gRPC health service says SERVING', async () => {
  const server = new Server();
  const health = new HealthImplementation({ '': 'SERVING' });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  try {
    const serving = await healthcheck(`127.0.0.1:${port}`);
    assert.equal(serving.status, 0, serving.stderr);
    health.setStatus('', 'NOT_SERVING');
    const draining = await healthcheck(`127.0.0.1:${port}`);
    assert.equal(draining.status, 1);
    assert.match(draining.stderr, /not SERVING/);
  } finally {
    server.forceShutdown();
  }
  const down = await healthcheck(`127.0.0.1:${port}`);
  assert.equal(down.status, 1);
});

// ---------------------------------------------------------------- broken copies are rejected

function readEnvExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(ENV_EXAMPLE, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

let copies = 0;
/** A copy of the compose file in a temp dir with `from` replaced by `to` (build contexts made absolute). */
function brokenCopy(from: string, to: string): string {
  const original = readFileSync(COMPOSE_FILE, 'utf8');
  assert.ok(original.includes(from), `the compose file no longer contains ${JSON.stringify(from)}; update this test`);
  const text = original.replace(from, to).replaceAll('context: ..\n', `context: ${JSON.stringify(ROOT)}\n`);
  const file = join(scratch, `broken-${++copies}.yaml`);
  writeFileSync(file, text);
  return file;
}

function assertRejected(file: string, message: RegExp, envFile = ENV_EXAMPLE): void {
  const r = check(file, '-env-file', envFile);
  assert.equal(r.status, 1, `expected a rejection, got status ${r.status}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
}

test('an unchanged copy outside compose/ passes (so the rejections below are about the breakage)', () => {
  const r = check(brokenCopy('name: shopmesh', 'name: shopmesh'), '-env-file', ENV_EXAMPLE);
  assert.equal(r.status, 0, r.stderr);
});

test('compose-check rejects depends_on on a service that does not exist', () => {
  const file = brokenCopy(
    '    depends_on:\n      identity:\n        condition: service_healthy\n',
    '    depends_on:\n      identity:\n        condition: service_healthy\n      no-such-service:\n        condition: service_started\n',
  );
  assertRejected(file, /service "envoy" depends on undefined service "no-such-service"/);
});

test('compose-check rejects unknown keys', () => {
  assertRejected(brokenCopy('    hostname: mongo\n', '    hostnme: mongo\n'), /services\.mongo\.hostnme: key not allowed/);
});

test('compose-check rejects values of the wrong type', () => {
  assertRejected(brokenCopy('    restart: unless-stopped\n', '    restart: [always]\n'), /restart must be a string/);
});

test('compose-check rejects a missing required variable', () => {
  const env = join(scratch, 'no-password.env');
  writeFileSync(env, readFileSync(ENV_EXAMPLE, 'utf8').replace(/^SHOP_SEED_ADMIN_PASSWORD=.*$/m, ''));
  assertRejected(brokenCopy('name: shopmesh', 'name: shopmesh'), /required variable SHOP_SEED_ADMIN_PASSWORD is missing/, env);
});

test('compose-check rejects a variable that is not set (docker compose would default it to "")', () => {
  assertRejected(brokenCopy('SHOP_NATS_URL: nats://nats:4222', 'SHOP_NATS_URL: ${SHOP_NATS_URL}'), /"SHOP_NATS_URL" variable is not set/);
});

test('compose-check rejects waiting for a healthy service that has no healthcheck', () => {
  const file = brokenCopy('test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"]', 'test: ["NONE"]');
  assertRejected(file, /service "identity" waits for "redis" to be healthy, but "redis" has no healthcheck/);
});

test('compose-check rejects a missing env file', () => {
  assertRejected(brokenCopy('name: shopmesh', 'name: shopmesh'), /env file/, join(scratch, 'missing.env'));
});

test('compose-check rejects a build target that is not a stage of the Dockerfile', () => {
  assertRejected(brokenCopy('      target: edge\n', '      target: envoy\n'), /build target "envoy" is not a stage/);
});
