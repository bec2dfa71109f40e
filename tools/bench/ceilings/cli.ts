// The ceilings alone, with their own MongoDB-wire server (in memory, the JVM flags
// of the test and benchmark stacks), printed as a table and as JSON.
//
//   npx tsx tools/bench/ceilings/cli.ts [--duration 10] [--connections 10]
//       [--server-cpus 0 --load-cpus 1] [--envoy-concurrency 1] [--keep]
//
// --keep keeps the work folder (logs, Envoy config, descriptor set) afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../harness/ports.js';
import { startProcess, stopAll } from '../../harness/process.js';
import type { LoadResult } from '../load-result.js';
import { measureCeilings, type Ceilings } from './index.js';
import { pinned } from '../pin.js';

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    'server-cpus': { type: 'string' },
    'load-cpus': { type: 'string' },
    'envoy-concurrency': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});

const TOOLS = resolve(import.meta.dirname, '../../../.tools');

function row(name: string, r: LoadResult, cpuMs: number | undefined): string {
  const l = r.latencyMs;
  const cpu = cpuMs === undefined ? '' : `  ${cpuMs} CPU ms/req`;
  return `${name.padEnd(15)} ${String(r.requestsPerSecond).padStart(9)} req/s  p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms${cpu}  (${r.requests} requests, ${r.errors} errors, ${r.tool})`;
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'shopmesh-ceilings-'));
  const serverCpus = opts['server-cpus'];
  const mongoPort = await freePort();
  const mongoCmd = pinned(serverCpus, 'java', [
    '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    '-cp', `${TOOLS}/mongo-wire/classes:${TOOLS}/mongo-wire/lib/*`,
    'MongoWireServer', '--no-stdin-watch', '--port', String(mongoPort), '--backend', 'memory',
  ]);
  const mongo = await startProcess({ name: 'mongo-wire', ...mongoCmd, logFile: join(workDir, 'mongo-wire.log'), readyLine: /^READY \d+/ });
  let ceilings: Ceilings;
  try {
    ceilings = await measureCeilings({
      workDir,
      mongoUrl: `mongodb://127.0.0.1:${mongoPort}`,
      durationS: Number(opts.duration),
      connections: Number(opts.connections),
      serverCpus,
      loadCpus: opts['load-cpus'],
      envoyConcurrency: Number(opts['envoy-concurrency']),
    });
  } finally {
    await mongo.proc.stop();
  }
  const pinning = serverCpus ? `servers on CPU ${serverCpus}, load on CPU ${opts['load-cpus'] ?? 'any'}` : 'unpinned';
  process.stdout.write(`ceilings (${opts.connections} connections, ${opts.duration} s each, ${pinning}, Envoy concurrency ${opts['envoy-concurrency']}):\n`);
  for (const name of ['echoDirect', 'echoViaEnvoy', 'mongooseFind', 'mongooseInsert'] as const) {
    process.stdout.write(`${row(name, ceilings[name], ceilings.cpuMsPerRequest?.[name])}\n`);
  }
  process.stdout.write(`${JSON.stringify(ceilings)}\n`);
  if (opts.keep) process.stdout.write(`work folder kept: ${workDir}\n`);
  else rmSync(workDir, { recursive: true, force: true });
}

const bail = (code: number) => () => { void stopAll().finally(() => process.exit(code)); };
process.once('SIGINT', bail(130));
process.once('SIGTERM', bail(143));
await main().catch(async (err: unknown) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
