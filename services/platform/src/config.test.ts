import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ConfigError, envName, loadConfig, platformConfigSchema } from './config.js';

/** The ConfigError loadConfig throws for env; fails the test if it does not throw one. */
function configErrorOf(env: NodeJS.ProcessEnv, schema: z.ZodObject = platformConfigSchema): ConfigError {
  try {
    loadConfig(schema, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected loadConfig to throw');
}

describe('envName', () => {
  test('turns camelCase keys into SHOP_UPPER_SNAKE variable names', () => {
    assert.equal(envName('mongoDbPrefix'), 'SHOP_MONGO_DB_PREFIX');
    assert.equal(envName('metricsPort'), 'SHOP_METRICS_PORT');
    assert.equal(envName('env'), 'SHOP_ENV');
    assert.equal(envName('jwtIssuer'), 'SHOP_JWT_ISSUER');
  });
});

describe('loadConfig', () => {
  test('applies every default when no SHOP_ variable is set', () => {
    const config = loadConfig(platformConfigSchema, {});
    assert.equal(config.env, 'development');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.mongoUrl, 'mongodb://127.0.0.1:27017');
    assert.equal(config.mongoDbPrefix, 'shop_');
    assert.equal(config.metricsPort, 0);
    assert.equal(config.jwtAudience, 'shopmesh');
  });

  test('reads SHOP_UPPER_SNAKE variables for camelCase keys', () => {
    const config = loadConfig(platformConfigSchema, {
      SHOP_ENV: 'production',
      SHOP_LOG_LEVEL: 'debug',
      SHOP_MONGO_URL: 'mongodb+srv://db.example.net',
      SHOP_MONGO_DB_PREFIX: 'run42_',
      SHOP_CATALOG_ADDR: 'catalog:6000',
      SHOP_JWT_AUDIENCE: 'shop-api',
    });
    assert.equal(config.env, 'production');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.mongoUrl, 'mongodb+srv://db.example.net');
    assert.equal(config.mongoDbPrefix, 'run42_');
    assert.equal(config.catalogAddr, 'catalog:6000');
    assert.equal(config.jwtAudience, 'shop-api');
  });

  test('ignores variables without the SHOP_ prefix and camelCase spellings', () => {
    const config = loadConfig(platformConfigSchema, { MONGO_URL: 'mongodb://other', SHOP_mongoUrl: 'mongodb://other', SHOP_MONGOURL: 'mongodb://other' });
    assert.equal(config.mongoUrl, 'mongodb://127.0.0.1:27017');
  });

  test('treats an empty variable as unset and uses the default', () => {
    assert.equal(loadConfig(platformConfigSchema, { SHOP_LOG_LEVEL: '' }).logLevel, 'info');
  });

  test('coerces numeric variables from their string form', () => {
    const config = loadConfig(platformConfigSchema, { SHOP_METRICS_PORT: '9464' });
    assert.equal(config.metricsPort, 9464);
    assert.equal(typeof config.metricsPort, 'number');
  });

  test('rejects a port that is not a number, not whole or out of range', () => {
    for (const bad of ['abc', '80.5', '70000', '-1']) {
      assert.match(configErrorOf({ SHOP_METRICS_PORT: bad }).message, /SHOP_METRICS_PORT/, `for ${bad}`);
    }
  });

  test('names every bad variable in one error, not just the first', () => {
    const err = configErrorOf({ SHOP_MONGO_URL: 'http://db:27017', SHOP_METRICS_PORT: 'abc', SHOP_ENV: 'prod', SHOP_LOG_LEVEL: 'info' });
    assert.match(err.message, /SHOP_MONGO_URL: must be a mongodb:\/\/ URL/);
    assert.match(err.message, /SHOP_METRICS_PORT/);
    assert.match(err.message, /SHOP_ENV/);
    assert.doesNotMatch(err.message, /SHOP_LOG_LEVEL/);
    assert.equal(err.name, 'ConfigError');
  });

  test('a service schema extends the platform one and its keys are read the same way', () => {
    const schema = platformConfigSchema.extend({ reservationTtlSeconds: z.coerce.number().int().positive().default(900) });
    assert.equal(loadConfig(schema, {}).reservationTtlSeconds, 900);
    assert.equal(loadConfig(schema, { SHOP_RESERVATION_TTL_SECONDS: '60' }).reservationTtlSeconds, 60);
    assert.match(configErrorOf({ SHOP_RESERVATION_TTL_SECONDS: '0' }, schema).message, /SHOP_RESERVATION_TTL_SECONDS/);
  });

  test('a required key without default is reported by its variable name when missing', () => {
    const schema = z.object({ stripeSecretKey: z.string().min(1) });
    assert.match(configErrorOf({}, schema).message, /SHOP_STRIPE_SECRET_KEY/);
  });

  // Number(' ') is 0: a blank variable must fail, not silently turn metrics off.
  test('rejects a whitespace-only numeric variable instead of reading it as 0', () => {
    assert.match(configErrorOf({ SHOP_METRICS_PORT: ' ' }).message, /SHOP_METRICS_PORT/);
  });
});
