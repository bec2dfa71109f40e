import { z } from 'zod';

/** Thrown at start-up when an environment variable is missing or malformed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The settings every service shares; each service extends it with its own keys. */
export const platformConfigSchema = z.object({
  env: z.enum(['development', 'test', 'production']).default('development'),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /** Base connection string; each service uses its own database on it. */
  mongoUrl: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL').default('mongodb://127.0.0.1:27017'),
  /** Prefix of every database name, so test runs can share one server without colliding. */
  mongoDbPrefix: z.string().regex(/^[a-z0-9_]+$/, 'must be lower-case letters, digits or _').default('shop_'),
  natsUrl: z.string().regex(/^nats:\/\//, 'must be a nats:// URL').default('nats://127.0.0.1:4222'),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  grpcHost: z.string().default('127.0.0.1'),
  identityAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50051'),
  catalogAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50052'),
  searchAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50053'),
  inventoryAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50054'),
  paymentAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50055'),
  shippingAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50056'),
  orderAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50058'),
  cartAddr: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:50057'),
  /** Port of the Prometheus /metrics endpoint; 0 disables it. */
  metricsPort: z.coerce.number().int().min(0).max(65535).default(0),
  jwtIssuer: z.string().url().default('http://127.0.0.1:8080'),
  jwtAudience: z.string().min(1).default('shopmesh'),
});
export type PlatformConfig = z.infer<typeof platformConfigSchema>;

/**
 * Field-encryption keys (SHOP_FIELD_KEYS = `<kid>:<base64 32-byte key>,...`,
 * SHOP_FIELD_KEY_ID = the kid that encrypts new values). Kept out of PlatformConfig on
 * purpose: that object is handed to every service and is easy to log whole; the
 * runtime turns these into a FieldCipher (crypto/field-cipher.ts) and drops the text.
 */
export const fieldEncryptionConfigSchema = z.object({
  env: platformConfigSchema.shape.env,
  fieldKeys: z.string().optional(),
  fieldKeyId: z.string().optional(),
});

/** `mongoDbPrefix` -> `SHOP_MONGO_DB_PREFIX`. */
export function envName(key: string): string {
  return 'SHOP_' + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Reads a typed config from SHOP_* variables over the schema's defaults and fails
 * fast, naming every bad variable, so a misconfigured process never half-starts.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const raw: Record<string, string> = {};
  const problems: string[] = [];
  for (const key of Object.keys(schema.shape)) {
    const value = env[envName(key)];
    if (value === undefined || value === '') continue;
    // A blank value is a mistake, not "unset": Number(' ') would silently be 0.
    if (value.trim() === '') problems.push(`${envName(key)}: must not be blank`);
    else raw[key] = value.trim();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.length > 0 ? envName(String(issue.path[0])) : 'configuration';
      if (!problems.some((p) => p.startsWith(`${name}:`))) problems.push(`${name}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return parsed.data!;
}
