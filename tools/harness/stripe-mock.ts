import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type ManagedProcess } from './process.js';

/**
 * stripe-mock (Stripe's official mock server) for the test stack and `npm start`, on
 * loopback only. It is stateless and answers every call with its fixtures, whose
 * PaymentIntent is "requires_payment_method"; we start it with the same fixtures
 * except that the PaymentIntent is "requires_capture", which is what Stripe answers a
 * confirmed manual-capture card payment, so the Stripe provider's happy path (and the
 * SDK, request shapes, idempotency keys) is exercised for real. Declines and 3-D Secure
 * cannot be produced by a stateless mock: the sandbox provider and unit tests of the
 * status mapping cover them.
 */
export async function startStripeMock(o: { tools: string; workDir: string; port: number; logFile: string; verbose: boolean }): Promise<{ proc: ManagedProcess; url: string }> {
  const bundled = join(o.tools, 'stripe-mock/fixtures3.json');
  if (!existsSync(bundled)) throw new Error(`${bundled} is missing: run tools/setup.sh`);
  const fixtures = JSON.parse(readFileSync(bundled, 'utf8')) as { resources: Record<string, Record<string, unknown>> };
  const intent = fixtures.resources['payment_intent']!;
  Object.assign(intent, { status: 'requires_capture', capture_method: 'manual', last_payment_error: null });
  const fixtureFile = join(o.workDir, 'stripe-mock-fixtures.json');
  writeFileSync(fixtureFile, JSON.stringify(fixtures));
  // HTTPS goes to a socket in the work folder, so nothing listens beyond loopback. A
  // socket file left by a run that was killed would make the bind fail: it goes first
  // (a second run on the same folder is refused earlier, by its ports).
  const socket = join(o.workDir, 'stripe-mock-https.sock');
  rmSync(socket, { force: true });
  const args = ['-http-addr', `127.0.0.1:${o.port}`, '-https-unix', socket, '-fixtures', fixtureFile];
  if (o.verbose) args.push('-verbose');
  const url = `http://127.0.0.1:${o.port}`;
  // Its output goes straight to the file, not through a pipe: while `npm test` runs the
  // test files its event loop is blocked, and a full pipe would stall stripe-mock.
  const started = await startProcess({
    name: 'stripe-mock',
    command: 'bash',
    args: ['-c', 'log="$1"; shift; exec "$@" >>"$log" 2>&1', 'stripe-mock', o.logFile, join(o.tools, 'bin/stripe-mock'), ...args],
    logFile: `${o.logFile}.harness`,
    probe: () => fetch(`${url}/v1/balance`, { headers: { authorization: 'Bearer sk_test_123' } }).then((r) => r.ok, () => false),
  });
  return { proc: started.proc, url };
}

/**
 * The payment settings of a local stack: Stripe pointed at stripe-mock with a test key
 * and fresh webhook secrets, and the sandbox provider. Secrets are random per start and
 * never written to the repository.
 */
export function localPaymentEnv(stripeMockUrl: string): Record<string, string> {
  return {
    SHOP_STRIPE_API_URL: stripeMockUrl,
    SHOP_STRIPE_SECRET_KEY: 'sk_test_stripemock0local',
    SHOP_STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url')}`,
    SHOP_PAYMENT_TEST_PROVIDER: 'true',
    SHOP_PAYMENT_TEST_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url')}`,
  };
}
