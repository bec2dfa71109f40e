// The benchmark ceilings (issue 9): what the machine allows before any shop code
// runs, measured in the same run as the scenarios so that each scenario is
// reported as a fraction of them.
//
//   echoDirect      a bare grpc-js echo server, called with ghz (the cost of grpc-js)
//   echoViaEnvoy    the same server through our edge's JSON transcoding, with wrk
//                   (the cost of the edge itself)
//   mongooseFind    mongoose findById().lean() against the MongoDB-wire server
//   mongooseInsert  mongoose create() of a product-shaped document (the data layer)
//
// Servers (echo, Envoy) run on `serverCpus`, load generators (ghz, wrk, the
// mongoose loop) on `loadCpus`. Each measurement gets a short unmeasured warm-up.
//
//   npx tsx tools/bench/ceilings/cli.ts     # runs them alone, with its own store
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePorts } from '../../harness/ports.js';
import { startProcess, type ManagedProcess } from '../../harness/process.js';
import { httpOk, servicesNode } from '../../harness/stack.js';
import { runGhz } from '../ghz.js';
import type { LoadResult } from '../load-result.js';
import { cpuMsPer, withCpuMs } from './cpu-time.js';
import { buildEchoDescriptor } from './echo-descriptor.js';
import { ECHO_METHOD } from './echo-server.js';
import { echoEnvoyConfig } from './envoy-echo.js';
import { MONGOOSE_RESULT_PREFIX, type MongooseCeilings, type MongooseLoadOptions } from './mongoose-load.js';
import { pinned } from '../pin.js';
import { runWrk, wrkToLoadResult } from '../wrk.js';

export interface CeilingOptions {
  workDir: string;
  mongoUrl: string;
  durationS: number;
  connections: number;
  /** taskset -c list for servers, e.g. '0'. */
  serverCpus?: string;
  /** taskset -c list for load generators, e.g. '1'. */
  loadCpus?: string;
  envoyConcurrency: number;
}

export interface Ceilings {
  echoDirect: LoadResult;
  echoViaEnvoy: LoadResult;
  mongooseFind: LoadResult;
  mongooseInsert: LoadResult;
  /**
   * CPU milliseconds per request, which a machine shared with other work disturbs far
   * less than rates: the echo server's (direct); the echo server's and Envoy's
   * together (via Envoy); the mongoose client process's own (find, insert: what a
   * service pays per query, the store's share not included).
   */
  cpuMsPerRequest?: CeilingCpu;
}

export interface CeilingCpu {
  echoDirect: number;
  echoViaEnvoy: number;
  mongooseFind: number;
  mongooseInsert: number;
}

const ROOT = resolve(import.meta.dirname, '../../..');
const ENVOY = join(ROOT, '.tools/bin/envoy');
/** Unmeasured seconds before each measurement. */
const WARM_UP_S = 2;
/** Documents the mongoose find ceiling reads from. */
const SEED_DOCS = 10_000;
const CEILING_DB = 'bench_ceiling';

/** Measures the four ceilings one after another; everything it starts is stopped before it returns. */
export async function measureCeilings(o: CeilingOptions): Promise<Ceilings> {
  mkdirSync(o.workDir, { recursive: true });
  const echo = await measureEcho(o);
  const mongoose = await measureMongooseCeilings(o);
  return {
    echoDirect: echo.direct.result,
    echoViaEnvoy: echo.viaEnvoy.result,
    mongooseFind: mongoose.find,
    mongooseInsert: mongoose.insert,
    cpuMsPerRequest: {
      echoDirect: cpuMsPer(echo.direct.result.requests, echo.direct.cpuMs),
      echoViaEnvoy: cpuMsPer(echo.viaEnvoy.result.requests, echo.viaEnvoy.cpuMs),
      mongooseFind: mongoose.cpuMsPerOp.find,
      mongooseInsert: mongoose.cpuMsPerOp.insert,
    },
  };
}

type Measured = { result: LoadResult; cpuMs: number };

/** The echo ceilings, each with the CPU its server processes used during the measured run. */
async function measureEcho(o: CeilingOptions): Promise<{ direct: Measured; viaEnvoy: Measured }> {
  const descriptorPath = await buildEchoDescriptor(o.workDir);
  const started: ManagedProcess[] = [];
  try {
    // On the Node the services run on, so the ceiling and the services share a runtime.
    const echoCmd = pinned(o.serverCpus, servicesNode(), ['--import', 'tsx', join(import.meta.dirname, 'echo-server.ts'), '0']);
    const echo = await startProcess({ name: 'echo', ...echoCmd, cwd: ROOT, logFile: join(o.workDir, 'echo.log'), readyLine: /^READY (\d+)/ });
    started.push(echo.proc);
    const echoPort = Number(echo.match![1]);

    const [listenPort, adminPort] = (await freePorts(2)) as [number, number];
    const configFile = join(o.workDir, 'envoy-echo.json');
    writeFileSync(configFile, JSON.stringify(echoEnvoyConfig({ listenPort, adminPort, echoPort, descriptorPath, accessLog: join(o.workDir, 'envoy-echo-access.log') }), null, 2));
    const envoyCmd = pinned(o.serverCpus, ENVOY, ['-c', configFile, '--use-dynamic-base-id', '--log-level', 'warn', '--concurrency', String(o.envoyConcurrency)]);
    const url = `http://127.0.0.1:${listenPort}/v1/echo/ceiling`;
    const envoy = await startProcess({
      name: 'envoy-echo',
      ...envoyCmd,
      logFile: join(o.workDir, 'envoy-echo.log'),
      // Ready once a transcoded call gets through to the echo server.
      probe: () => httpOk(url),
      timeoutMs: 30_000,
    });
    started.push(envoy.proc);

    const ghzLoad = {
      host: `127.0.0.1:${echoPort}`,
      call: ECHO_METHOD,
      schema: { protoset: descriptorPath },
      data: { message: 'ceiling' },
      connections: o.connections,
      cpus: o.loadCpus,
    };
    await runGhz({ ...ghzLoad, durationS: WARM_UP_S }, o.workDir);
    const direct = await withCpuMs([echo.proc.pid], () => runGhz({ ...ghzLoad, durationS: o.durationS }, o.workDir));

    const wrkLoad = { url, connections: o.connections, cpus: o.loadCpus };
    await runWrk({ ...wrkLoad, durationS: WARM_UP_S }, o.workDir);
    const viaEnvoy = await withCpuMs([echo.proc.pid, envoy.proc.pid], async () =>
      wrkToLoadResult(await runWrk({ ...wrkLoad, durationS: o.durationS }, o.workDir), o.connections));
    return { direct, viaEnvoy };
  } finally {
    for (const p of started.reverse()) await p.stop();
  }
}

/** Runs the mongoose loop in its own process on the load generator's CPUs. */
function measureMongooseCeilings(o: CeilingOptions): Promise<MongooseCeilings> {
  const options: MongooseLoadOptions = {
    mongoUrl: o.mongoUrl,
    dbName: CEILING_DB,
    connections: o.connections,
    durationS: o.durationS,
    warmUpS: WARM_UP_S,
    seedDocs: SEED_DOCS,
  };
  const { command, args } = pinned(o.loadCpus, process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'mongoose-load.ts'), JSON.stringify(options)]);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MONGOOSE_RESULT_PREFIX));
      if (code !== 0 || !line) reject(new Error(`mongoose ceiling exited ${code}: ${out.slice(-2000)}`));
      else resolvePromise(JSON.parse(line.slice(MONGOOSE_RESULT_PREFIX.length)) as MongooseCeilings);
    });
  });
}
