import type { Connection } from 'mongoose';
import type { Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import { IdentityServiceService } from '../../../gen/shop/identity/v1/identity_service.js';
import { auditStream } from './audit.js';
import { TokenVerifier } from './auth.js';
import { fieldEncryptionConfigSchema, loadConfig, platformConfigSchema, type PlatformConfig } from './config.js';
import { fieldCipherFromSettings, type FieldCipher } from './crypto/field-cipher.js';
import { connectNats, ensureStreams, type NatsHandles, type StreamSpec } from './events/index.js';
import { createServiceClient } from './grpc/client.js';
import type { ServiceHandlers } from './grpc/context.js';
import { GrpcHost, type AccessTable, type UnaryServiceDefinition } from './grpc/server.js';
import { createLogger, type Logger } from './logger.js';
import { startMetricsServer } from './metrics.js';
import { connectMongo, ensureIndexes, serviceDatabase } from './mongo.js';
import { connectRedis } from './redis.js';
import { setupTracing } from './tracing.js';

/** What the runtime hands a service when it starts. */
export interface ServiceDeps {
  config: PlatformConfig;
  logger: Logger;
  /** The service's own database. */
  db: Connection;
  nats: NatsHandles;
  /**
   * The process's one Redis client (rate limits, carts, caches), shared by every
   * service in the process; the runtime closes it. Build a limiter with `new RateLimiter(redis)`.
   */
  redis: Redis;
  /**
   * Encrypts personal fields at rest (AES-256-GCM, key ring from SHOP_FIELD_KEYS and
   * SHOP_FIELD_KEY_ID); bind each value to its record and field with `fieldAad`.
   */
  fieldCipher: FieldCipher;
  /** The environment the process was started with, for the service's own settings. */
  env: NodeJS.ProcessEnv;
}

/** A started service: its handlers and how to stop its background work. */
export interface StartedService<D extends UnaryServiceDefinition = UnaryServiceDefinition> {
  handlers: ServiceHandlers<D>;
  stop?: () => Promise<void>;
}

/**
 * A domain service as the runtime sees it. The same module runs alone in its own
 * process (production) or beside every other one in a single process (`npm start`).
 * What it serves and who may call each method are plain data on the module, not
 * something `start` returns, so tests and tools read the access table of every
 * service without connecting to anything.
 */
export interface ServiceModule<D extends UnaryServiceDefinition = UnaryServiceDefinition> {
  name: string;
  /** The generated gRPC service definition (ts-proto's `XServiceService`). */
  definition: D;
  /** The access rule of every method; the types require one per method. */
  access: AccessTable<D>;
  /** Streams this service publishes to; created idempotently at start. */
  streams: StreamSpec[];
  /** The host:port it listens on, from config (the same map clients use). */
  address(config: PlatformConfig): string;
  start(deps: ServiceDeps): Promise<StartedService<D>>;
}

/**
 * Declares a service module with its handlers and access table checked against the
 * generated definition, and erases the definition's type so every module fits in one
 * list (services/mesh.ts).
 */
export function defineService<D extends UnaryServiceDefinition>(module: ServiceModule<D>): ServiceModule {
  return module as unknown as ServiceModule;
}

export interface RunningMesh {
  ports: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Connects shared resources once per process, starts each service on its own gRPC
 * server, and stops everything in reverse order: servers drain first, then background
 * work, then connections.
 */
export async function runServices(modules: ServiceModule[], env: NodeJS.ProcessEnv = process.env): Promise<RunningMesh> {
  const config = loadConfig(platformConfigSchema, env);
  // Before any connection: missing keys in production, or malformed keys anywhere, stop the start here.
  const fieldCipher = fieldCipherFromSettings(loadConfig(fieldEncryptionConfigSchema, env));
  setupTracing();
  const processName = modules.length === 1 ? modules[0]!.name : 'mesh';
  const logger = createLogger(processName, config.logLevel);
  if (fieldCipher.activeKeyId === null) logger.warn('no field encryption keys (SHOP_FIELD_KEYS, SHOP_FIELD_KEY_ID): services cannot store encrypted personal fields');
  const mongo = await connectMongo(config.mongoUrl, `shopmesh-${processName}`);
  const nats = await connectNats(config.natsUrl, `shopmesh-${processName}`);
  const redis = await connectRedis(config.redisUrl);
  const identity = createServiceClient(IdentityServiceService, { name: 'identity', address: config.identityAddr, idempotent: ['getJwks'] });
  const verifier = new TokenVerifier(
    async () => JSON.parse(Buffer.from((await identity.getJwks({})).data).toString('utf8')),
    config.jwtIssuer,
    config.jwtAudience,
  );

  const hosts: GrpcHost[] = [];
  const started: StartedService[] = [];
  const ports: Record<string, number> = {};
  let metrics: HttpServer | null = null;
  try {
    // Every service may write audit events (staff actions, security events), so every
    // process makes sure their stream exists, whichever service starts first.
    await ensureStreams(nats.jsm, uniqueStreams([auditStream(), ...modules.flatMap((m) => m.streams)]));
    for (const module of modules) {
      const serviceLogger = createLogger(module.name, config.logLevel);
      const db = serviceDatabase(mongo, config.mongoDbPrefix, module.name);
      const service = await module.start({ config, logger: serviceLogger, db, nats, redis, fieldCipher, env });
      await ensureIndexes(db);
      started.push(service);
      const host = new GrpcHost({ logger: serviceLogger, verifier }).add({ definition: module.definition, access: module.access, handlers: service.handlers });
      hosts.push(host);
      const [listenHost, port] = splitAddress(module.address(config), config.grpcHost);
      ports[module.name] = await host.listen(listenHost, port);
    }
    if (config.metricsPort > 0) metrics = await startMetricsServer(config.grpcHost, config.metricsPort);
  } catch (err) {
    logger.error('start failed', { err });
    await stopAll();
    throw err;
  }

  async function stopAll(): Promise<void> {
    await Promise.allSettled(hosts.map((h) => h.shutdown()));
    await Promise.allSettled(started.map((s) => s.stop?.()));
    metrics?.close();
    identity.close();
    await nats.close().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    await mongo.close().catch(() => undefined);
  }
  return { ports, stop: stopAll };
}

function uniqueStreams(specs: StreamSpec[]): StreamSpec[] {
  return [...new Map(specs.map((s) => [s.name, s])).values()];
}

function splitAddress(address: string, listenHost: string): [string, number] {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return [listenHost, port];
}

/** Runs until SIGINT/SIGTERM, then stops gracefully; used by every entry point. */
export async function serveUntilSignalled(modules: ServiceModule[]): Promise<void> {
  const mesh = await runServices(modules);
  process.stdout.write(`READY ${JSON.stringify(mesh.ports)}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, draining\n`);
    mesh.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
