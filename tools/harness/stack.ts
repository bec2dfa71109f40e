import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { renderEnvoyConfig } from '../../envoy/render.js';
import { SERVICE_MAP, type ServiceName } from '../../services/platform/src/service-map.js';
import { MESH_CLIENT_SCOPES, meshServiceAccountsEnv } from '../../services/platform/src/service-token.js';
import { freePort, freePorts } from './ports.js';
import { startProcess, stopAll, type ManagedProcess } from './process.js';
import { localPaymentEnv, startStripeMock } from './stripe-mock.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const TOOLS = join(ROOT, '.tools');

export interface StackPorts {
  edge: number;
  envoyAdmin: number;
  mongo: number;
  nats: number;
  redis: number;
  metrics: number;
  /** stripe-mock, which the payment service's Stripe provider talks to locally. */
  stripeMock: number;
  services: Record<string, number>;
}

export interface StackOptions {
  /** Where logs, configs and (when persistent) data go. */
  workDir: string;
  /** true for `npm start`: H2-backed MongoDB-wire store, NATS file store, Redis snapshots. */
  persistent: boolean;
  /** Fixed ports (npm start); random free loopback ports when omitted (tests). */
  ports?: StackPorts;
  /** Start the services (all in one child process) and Envoy; false = infrastructure only. */
  mesh: boolean;
  /** Extra SHOP_* settings for the services. */
  serviceEnv?: Record<string, string>;
  /** Edge token bucket; the tests and benchmarks raise it. */
  edgeRateLimitPerSecond?: number;
  /**
   * How long Envoy trusts a fetched JWKS (default 120 s). Identity's
   * SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS must exceed it; the tests shorten both.
   */
  edgeJwksCacheSeconds?: number;
  /** Envoy worker threads (default 2); the benchmarks' one-core mode runs 1. */
  envoyConcurrency?: number;
  /**
   * Services run as N processes of their own instead of inside the all-in-one
   * process (the benchmarks' scale-out). Envoy balances the edge traffic over every
   * replica; the other services reach replica 1 (its address is the service's
   * SHOP_*_ADDR), so internal calls are not spread.
   */
  replicas?: Partial<Record<ServiceName, number>>;
}

export interface Stack {
  ports: StackPorts;
  edgeUrl: string;
  /** SHOP_* variables that point a client or a service at this stack. */
  env: Record<string, string>;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

/**
 * Starts the infrastructure (MongoDB-wire server, NATS with JetStream, Redis), then
 * the services and the Envoy edge, each waited for until it answers. Used by
 * `npm start`, `npm test` and the benchmarks; every process is stopped by `stop()`,
 * on exit and on Ctrl-C. Runs started side by side get separate ports and folders.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  mkdirSync(o.workDir, { recursive: true });
  const ports = o.ports ?? (await randomPorts());
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const p of [...processes].reverse()) await p.stop();
  };
  installExitHooks();
  try {
    const log = (name: string) => join(o.workDir, `${name}.log`);
    const dataDir = join(o.workDir, 'data');
    mkdirSync(dataDir, { recursive: true });

    // Short test runs start faster with the C1 compiler only; long-lived stacks get the full JIT.
    const jvmFlags = o.persistent ? ['-XX:+UseSerialGC'] : ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
    const mongoArgs = ['-cp', `${TOOLS}/mongo-wire/classes:${TOOLS}/mongo-wire/lib/*`, 'MongoWireServer', '--no-stdin-watch', '--port', String(ports.mongo)];
    mongoArgs.push(...(o.persistent ? ['--backend', 'h2', '--file', join(dataDir, 'mongo.h2')] : ['--backend', 'memory']));
    const mongo = startProcess({ name: 'mongo-wire', command: 'java', args: [...jvmFlags, ...mongoArgs], logFile: log('mongo-wire'), readyLine: /^READY \d+/ });

    const nats = startProcess({
      name: 'nats',
      command: natsBinary(),
      args: ['-js', '-a', '127.0.0.1', '-p', String(ports.nats), '-sd', join(dataDir, 'nats')],
      logFile: log('nats'),
      readyLine: /Server is ready/,
    });
    const redisDir = join(dataDir, 'redis');
    mkdirSync(redisDir, { recursive: true });
    const redis = startProcess({
      name: 'redis',
      command: 'redis-server',
      args: ['--port', String(ports.redis), '--bind', '127.0.0.1', '--dir', redisDir, '--daemonize', 'no', '--save', o.persistent ? '60 1' : '', '--appendonly', 'no'],
      logFile: log('redis'),
      readyLine: /Ready to accept connections/,
    });
    // Verbose in tests: its log lists every request, which tests count (one PaymentIntent per idempotency key).
    const stripeMock = startStripeMock({ tools: TOOLS, workDir: o.workDir, port: ports.stripeMock, logFile: log('stripe-mock'), verbose: !o.persistent });
    for (const started of await Promise.allSettled([mongo, nats, redis, stripeMock])) {
      if (started.status === 'fulfilled') processes.push(started.value.proc);
    }
    for (const started of await Promise.allSettled([mongo, nats, redis, stripeMock])) if (started.status === 'rejected') throw started.reason;

    const edgeUrl = `http://127.0.0.1:${ports.edge}`;
    const env: Record<string, string> = {
      SHOP_MONGO_URL: `mongodb://127.0.0.1:${ports.mongo}`,
      SHOP_NATS_URL: `nats://127.0.0.1:${ports.nats}`,
      SHOP_REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
      SHOP_JWT_ISSUER: edgeUrl,
      SHOP_EDGE_URL: edgeUrl,
      ...localPaymentEnv((await stripeMock).url),
    };
    for (const s of SERVICE_MAP) env[s.addrEnv] = `127.0.0.1:${ports.services[s.name]}`;
    // Services that call others do so as service accounts: fresh secrets every start.
    Object.assign(env, meshServiceAccountsEnv(Object.fromEntries(Object.keys(MESH_CLIENT_SCOPES).map((s) => [s, randomBytes(32).toString('base64url')]))));

    if (o.mesh) {
      const replicated = SERVICE_MAP.filter((s) => (o.replicas?.[s.name] ?? 0) > 0);
      const inMain = replicated.length === 0 ? ['all'] : SERVICE_MAP.filter((s) => !replicated.includes(s)).map((s) => s.name);
      const serviceProcess = (name: string, services: string[], extraEnv: Record<string, string>) => startProcess({
        name,
        command: servicesNode(),
        args: ['--enable-source-maps', '--import', 'tsx', join(ROOT, 'services/mesh.ts'), ...services],
        cwd: ROOT,
        env: { ...process.env, ...env, SHOP_METRICS_PORT: String(ports.metrics), ...o.serviceEnv, ...extraEnv },
        logFile: log(name),
        readyLine: /^READY /,
        timeoutMs: 90_000,
      });
      // Replica 1 listens on the service's usual port; the others on free ones.
      const replicaPorts = new Map<string, number[]>();
      for (const s of replicated) {
        const list = [ports.services[s.name]!];
        for (let i = 1; i < o.replicas![s.name]!; i++) list.push(await freePort());
        replicaPorts.set(s.name, list);
      }
      const started = [
        serviceProcess('services', inMain, {}),
        ...replicated.flatMap((s) => replicaPorts.get(s.name)!.map((port, i) =>
          serviceProcess(`${s.name}-${i + 1}`, [s.name], { [s.addrEnv]: `127.0.0.1:${port}`, SHOP_METRICS_PORT: '0' }))),
      ];
      for (const result of await Promise.allSettled(started)) if (result.status === 'fulfilled') processes.push(result.value.proc);
      for (const result of await Promise.allSettled(started)) if (result.status === 'rejected') throw result.reason;

      const configFile = join(o.workDir, 'envoy.json');
      const rps = o.edgeRateLimitPerSecond ?? 200;
      writeFileSync(configFile, JSON.stringify(renderEnvoyConfig({
        listenHost: '127.0.0.1',
        listenPort: ports.edge,
        adminPort: ports.envoyAdmin,
        descriptorPath: join(ROOT, 'envoy/descriptor.binpb'),
        upstreams: SERVICE_MAP.map((s) => ({
          name: s.name,
          host: '127.0.0.1',
          port: ports.services[s.name]!,
          moreEndpoints: (replicaPorts.get(s.name) ?? []).slice(1).map((port) => ({ host: '127.0.0.1', port })),
          grpcServices: [...s.grpcServices],
        })),
        jwt: { issuer: edgeUrl, audience: o.serviceEnv?.['SHOP_JWT_AUDIENCE'] ?? 'shopmesh', jwksUpstream: 'identity', ...(o.edgeJwksCacheSeconds ? { jwksCacheSeconds: o.edgeJwksCacheSeconds } : {}) },
        rateLimit: { maxTokens: rps * 2, tokensPerFill: rps, fillIntervalMs: 1000 },
        accessLog: log('envoy-access'),
      }), null, 2));
      const envoy = await startProcess({
        name: 'envoy',
        command: join(TOOLS, 'bin/envoy'),
        args: ['-c', configFile, '--use-dynamic-base-id', '--log-level', 'warn', '--concurrency', String(o.envoyConcurrency ?? 2)],
        logFile: log('envoy'),
        probe: () => httpOk(`http://127.0.0.1:${ports.envoyAdmin}/ready`),
        timeoutMs: 30_000,
      });
      processes.push(envoy.proc);
      // The edge is useful only once it can verify tokens: wait for JWKS through it.
      await waitFor(() => httpOk(`${edgeUrl}/.well-known/jwks.json`), 20_000, 'edge serving /.well-known/jwks.json');
    }
    return { ports, edgeUrl, env, processes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function randomPorts(): Promise<StackPorts> {
  const [edge, envoyAdmin, mongo, nats, redis, metrics, stripeMock, ...rest] = await freePorts(7 + SERVICE_MAP.length);
  const services = Object.fromEntries(SERVICE_MAP.map((s, i) => [s.name, rest[i]!]));
  return { edge: edge!, envoyAdmin: envoyAdmin!, mongo: mongo!, nats: nats!, redis: redis!, metrics: metrics!, stripeMock: stripeMock!, services };
}

/**
 * The Node that runs the services: SHOP_SERVICES_NODE, else the Node 24 that setup
 * installs (decision 41: AsyncLocalStorage without async_hooks), else this one.
 */
export function servicesNode(): string {
  const chosen = process.env['SHOP_SERVICES_NODE'];
  if (chosen) return chosen;
  const installed = join(TOOLS, 'node/bin/node');
  return existsSync(installed) ? installed : process.execPath;
}

function natsBinary(): string {
  return ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';
}

/** GET url answers 2xx. */
export function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 300);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const bail = (code: number) => () => { void stopAll().finally(() => process.exit(code)); };
  process.once('SIGINT', bail(130));
  process.once('SIGTERM', bail(143));
  process.once('uncaughtException', (err) => { console.error(err); bail(1)(); });
}
