import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFieldKey } from '../../services/platform/src/crypto/field-cipher.js';
import { startStack, type Stack, type StackOptions } from '../harness/stack.js';

/** The admin every benchmark stack seeds (local, throwaway). */
export const BENCH_ADMIN = { email: 'bench-admin@shopmesh.test', password: 'bench-admin-password' };

/**
 * Starts an isolated benchmark stack: random loopback ports, a temp folder, in-memory
 * store, warn-level logs, no edge rate limit, a fresh field key. `finish` stops it and
 * removes the folder unless the run failed (the logs are kept then).
 */
export async function startBenchStack(name: string, serviceEnv: Record<string, string> = {}, options: Pick<StackOptions, 'envoyConcurrency' | 'replicas'> = {}): Promise<{ stack: Stack; workDir: string; finish(failed: boolean): Promise<void> }> {
  const workDir = mkdtempSync(join(tmpdir(), `shopmesh-bench-${name}-`));
  const fieldKeyId = `bench-${randomBytes(4).toString('hex')}`;
  process.stdout.write(`starting an isolated stack in ${workDir}\n`);
  const stack = await startStack({
    workDir,
    persistent: false,
    mesh: true,
    // The edge's token bucket would otherwise be what we measure.
    edgeRateLimitPerSecond: 1_000_000,
    ...options,
    serviceEnv: {
      SHOP_FIELD_KEYS: generateFieldKey(fieldKeyId),
      SHOP_FIELD_KEY_ID: fieldKeyId,
      SHOP_LOG_LEVEL: 'warn',
      SHOP_SEED_ADMIN_EMAIL: BENCH_ADMIN.email,
      SHOP_SEED_ADMIN_PASSWORD: BENCH_ADMIN.password,
      ...serviceEnv,
    },
  });
  return {
    stack,
    workDir,
    async finish(failed) {
      await stack.stop();
      if (failed) process.stdout.write(`logs kept in ${workDir}\n`);
      else rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs one benchmark on its own isolated stack (startBenchStack), stops everything
 * afterwards, keeps the logs when it failed and exits with its outcome.
 */
export async function runOnBenchStack(name: string, bench: (stack: Stack, workDir: string) => Promise<void>, serviceEnv: Record<string, string> = {}): Promise<never> {
  const { stack, workDir, finish } = await startBenchStack(name, serviceEnv);
  let failed = false;
  try {
    await bench(stack, workDir);
  } catch (err) {
    failed = true;
    console.error(err);
  } finally {
    await finish(failed);
  }
  process.exit(failed ? 1 : 0);
}
