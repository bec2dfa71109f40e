// Cold start of `npm start` (tools/start.ts): spawned on free ports with an empty
// temp data folder, timed until the edge answers a product list, then stopped by its
// process tree.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_MAP } from '../../services/platform/src/service-map.js';
import { freePorts } from '../harness/ports.js';
import { httpOk, ROOT } from '../harness/stack.js';
import { killListed, listTree } from './procs.js';

export interface ColdStart {
  /** Spawn to the first 200 of GET /v1/products?page_size=1 through the edge. */
  firstRequestMs: number;
  /** Processes in the started tree (guards included). */
  processes: number;
}

export async function measureColdStart(timeoutMs = 180_000): Promise<ColdStart> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shopmesh-bench-cold-'));
  const [http, admin, mongo, nats, redis, metrics, stripe, ...svc] = await freePorts(7 + SERVICE_MAP.length);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SHOP_DATA_DIR: dataDir,
    SHOP_HTTP_PORT: String(http), SHOP_ENVOY_ADMIN_PORT: String(admin), SHOP_MONGO_PORT: String(mongo), SHOP_NATS_PORT: String(nats),
    SHOP_REDIS_PORT: String(redis), SHOP_METRICS_PORT: String(metrics), SHOP_STRIPE_MOCK_PORT: String(stripe),
    ...Object.fromEntries(SERVICE_MAP.map((s, i) => [s.addrEnv, `127.0.0.1:${svc[i]}`])),
  };
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tools/start.ts')], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let firstRequestMs = NaN;
  let processes = 0;
  try {
    const url = `http://127.0.0.1:${http}/v1/products?page_size=1`;
    while (performance.now() - started < timeoutMs && child.exitCode === null) {
      if (await httpOk(url)) {
        firstRequestMs = Math.round(performance.now() - started);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (Number.isNaN(firstRequestMs)) throw new Error(`npm start did not answer within ${timeoutMs} ms (data in ${dataDir})`);
  } finally {
    // SIGTERM to start.ts stops its stack; anything left of the tree after 15 s is killed.
    const tree = listTree(child.pid!);
    processes = tree.length;
    child.kill('SIGTERM');
    const timer = setTimeout(() => killListed([...tree, ...listTree(child.pid!)]), 15_000);
    await exited;
    clearTimeout(timer);
    // The guards stop their servers when start.ts's pipes close; give them a moment, then make sure.
    await new Promise((r) => setTimeout(r, 1_000));
    killListed(tree);
  }
  rmSync(dataDir, { recursive: true, force: true });
  return { firstRequestMs, processes };
}
