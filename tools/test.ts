// `npm test`: static checks, unit tests, then integration and end-to-end tests
// against one real stack (MongoDB-wire server, NATS, Redis, services, Envoy) started
// for this run on free loopback ports and stopped afterwards.
//
//   npm test                # everything
//   npm test -- --unit      # static checks and unit tests only (seconds)
//   npm test -- <file...>   # only these integration test files, with the stack
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateFieldKey } from '../services/platform/src/crypto/field-cipher.js';
import { ROOT, startStack } from './harness/stack.js';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const chosen = args.filter((a) => !a.startsWith('--'));

function step(title: string): void {
  process.stdout.write(`\n\u001b[1m== ${title}\u001b[0m\n`);
}

function run(title: string, command: string, commandArgs: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  step(title);
  const result = spawnSync(command, commandArgs, { cwd: ROOT, stdio: 'inherit', env });
  if (result.status !== 0) process.stdout.write(`\u001b[31mFAILED: ${title}\u001b[0m\n`);
  return result.status === 0;
}

/** Test files under dir whose path matches. */
function findTests(dir: string, match: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...findTests(path, match));
    else if (entry.endsWith('.test.ts') && match(path)) out.push(path);
  }
  return out.sort();
}

/**
 * Identity's token settings for the test stack, also handed to the tests: lockouts
 * that end in seconds, a publish delay above the edge's 2 s JWKS cache and the
 * services' 5 s refetch pause, and per-IP limits above what the whole suite sends
 * from 127.0.0.1 (tests that exercise them send their own client address).
 */
const TOKEN_TEST_SETTINGS = {
  SHOP_LOCKOUT_BASE_SECONDS: '2',
  SHOP_SIGNING_KEY_PUBLISH_DELAY_SECONDS: '6',
  SHOP_SIGNING_KEY_REFRESH_SECONDS: '1',
  SHOP_LOGIN_RATE_PER_IP: '600',
  SHOP_REFRESH_RATE_PER_IP: '100',
};

/**
 * A webhook carrier for the shipping tests, with a secret made per run (the tests
 * sign deliveries with it; it is never written anywhere).
 */
const SHIPPING_TEST_SETTINGS = {
  SHOP_SHIPPING_CARRIERS: JSON.stringify([{ code: 'webhook', secrets: [randomBytes(32).toString('hex')], trackingPattern: '^WH[0-9]{8,12}$' }]),
};

const isIntegration = (path: string) => /(^|\/)test\//.test(path);
const unitFiles = ['services', 'tools', 'envoy'].flatMap((d) => findTests(d, (p) => !isIntegration(p)));
const integrationFiles = chosen.length > 0 ? chosen : ['services', 'tools'].flatMap((d) => findTests(d, isIntegration));
const nodeTest = [process.execPath, '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2'];

let ok = true;
if (chosen.length === 0) {
  ok = run('buf lint', 'node_modules/.bin/buf', ['lint']) && ok;
  ok = run('buf breaking (against proto/baseline.binpb)', 'node_modules/.bin/buf', ['breaking', 'proto', '--against', 'proto/baseline.binpb']) && ok;
  ok = run('tsc --noEmit', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.json']) && ok;
  ok = run(`unit tests (${unitFiles.length} files)`, nodeTest[0]!, [...nodeTest.slice(1), ...unitFiles]) && ok;
}

if (!unitOnly && integrationFiles.length > 0) {
  step('starting the test stack');
  const workDir = mkdtempSync(join(tmpdir(), 'shopmesh-test-'));
  const started = Date.now();
  // A fresh field-encryption key per run: nothing encrypted outlives the run, and no
  // key is ever written to disk or the repository. Tests get it too, to check that
  // stored values are ciphertext that this key (and only with the right AAD) opens.
  const fieldKeyId = `test-${randomBytes(4).toString('hex')}`;
  const fieldKeys = { SHOP_FIELD_KEYS: generateFieldKey(fieldKeyId), SHOP_FIELD_KEY_ID: fieldKeyId };
  const stack = await startStack({
    workDir,
    persistent: false,
    mesh: true,
    edgeRateLimitPerSecond: 5_000,
    // Key rotation tests wait for a new key to sign: a short edge JWKS cache and publish delay.
    edgeJwksCacheSeconds: 2,
    serviceEnv: {
      ...fieldKeys,
      SHOP_ENV: 'test',
      SHOP_LOG_LEVEL: 'warn',
      SHOP_SEED_ADMIN_EMAIL: 'admin@shopmesh.test',
      SHOP_SEED_ADMIN_PASSWORD: 'admin-password-for-tests',
      // Every test reaches the edge from loopback; per-IP account limits are tested with
      // other client addresses (services/identity/test/account.e2e.test.ts).
      SHOP_ACCOUNT_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1,::1',
      ...TOKEN_TEST_SETTINGS,
      ...SHIPPING_TEST_SETTINGS,
      // Abandoned carts are reported after seconds, not an hour.
      SHOP_CART_ABANDON_AFTER_SECONDS: '3',
      SHOP_CART_ABANDON_SWEEP_SECONDS: '1',
    },
  });
  process.stdout.write(`stack up in ${Date.now() - started} ms at ${stack.edgeUrl} (logs: ${workDir})\n`);
  const env = {
    ...process.env,
    ...stack.env,
    ...fieldKeys,
    SHOP_TEST_WORKDIR: workDir,
    SHOP_TEST_PORTS: JSON.stringify(stack.ports),
    SHOP_TEST_ADMIN_EMAIL: 'admin@shopmesh.test',
    SHOP_TEST_ADMIN_PASSWORD: 'admin-password-for-tests',
    ...TOKEN_TEST_SETTINGS,
    ...SHIPPING_TEST_SETTINGS,
  };
  const passed = run(`integration and end-to-end tests (${integrationFiles.length} files)`, nodeTest[0]!, [...nodeTest.slice(1), ...integrationFiles], env);
  await stack.stop();
  if (passed) rmSync(workDir, { recursive: true, force: true });
  else {
    for (const log of ['services.log', 'envoy.log']) {
      process.stdout.write(`\n--- last lines of ${relative(ROOT, join(workDir, log))} ---\n`);
      try {
        process.stdout.write(readFileSync(join(workDir, log), 'utf8').split('\n').slice(-40).join('\n') + '\n');
      } catch { /* not started */ }
    }
  }
  ok = passed && ok;
}

step(ok ? 'all passed' : 'FAILED');
process.exit(ok ? 0 : 1);
