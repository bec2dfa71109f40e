// Container healthcheck for the service image: asks the gRPC health service
// (grpc.health.v1.Health/Check, overall status "") of every service this
// container runs and exits 0 only if all of them answer SERVING.
//
//   node compose/healthcheck.mjs                   # what this container runs
//   node compose/healthcheck.mjs host:port ...     # these addresses
//   node compose/healthcheck.mjs --print [name ...] # only print the addresses
//
// Without addresses it finds what the container runs from the command line of
// the services/mesh.ts process (PID 1, or the child of `init: true`'s PID 1):
// each named service ("all" = every one) listens on the port of its SHOP_*_ADDR
// variable, or on its default port from services/platform/src/service-map.ts.
// Plain JavaScript (no tsx), so a check costs one short node start.
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { readdirSync, readFileSync } from 'node:fs';

const TIMEOUT_MS = 3000;
const SERVING = 1;

/** name -> { port, addrEnv } from the one service map (a plain literal, parsed as text). */
function serviceMap() {
  const source = readFileSync(new URL('../services/platform/src/service-map.ts', import.meta.url), 'utf8');
  const map = new Map();
  const entry = /name:\s*'([a-z0-9-]+)'[^}]*?defaultPort:\s*(\d+)[^}]*?addrEnv:\s*'([A-Z0-9_]+)'/g;
  for (const m of source.matchAll(entry)) map.set(m[1], { port: Number(m[2]), addrEnv: m[3] });
  if (map.size === 0) throw new Error('no services found in service-map.ts');
  return map;
}

/** The arguments after services/mesh.ts of the process running it, or null. */
function meshArguments() {
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).sort((a, b) => Number(a) - Number(b));
  for (const pid of pids) {
    let argv;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // gone, or not ours
    }
    const at = argv.findIndex((a) => a === 'services/mesh.ts' || a.endsWith('/services/mesh.ts'));
    if (at >= 0 && argv.some((a) => a === 'node' || a.endsWith('/node'))) return argv.slice(at + 1);
  }
  return null;
}

/** Addresses of the named services (null: the ones this container runs). */
function targets(requested) {
  const args = requested ?? meshArguments();
  if (!args) throw new Error('no services/mesh.ts process found');
  const map = serviceMap();
  const names = args.length === 0 || args.includes('all') ? [...map.keys()] : args;
  const grpcHost = process.env.SHOP_GRPC_HOST ?? '';
  const host = ['', '0.0.0.0', '::', '[::]'].includes(grpcHost) ? '127.0.0.1' : grpcHost;
  return names.map((name) => {
    const service = map.get(name);
    if (!service) throw new Error(`unknown service ${name}`);
    const addr = process.env[service.addrEnv];
    const port = addr ? Number(addr.slice(addr.lastIndexOf(':') + 1)) : service.port;
    return `${host}:${port}`;
  });
}

function check(address) {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      () => Buffer.alloc(0), // HealthCheckRequest { service: "" }
      (bytes) => bytes, // HealthCheckResponse { status = 1 (varint) }
      {},
      new Metadata(),
      { deadline: Date.now() + TIMEOUT_MS },
      (err, bytes) => {
        client.close();
        if (err) return resolve(`${address}: ${err.details || err.message}`);
        const status = bytes.length >= 2 && bytes[0] === 0x08 ? bytes[1] : 0;
        resolve(status === SERVING ? null : `${address}: status ${status}, not SERVING`);
      },
    );
  });
}

try {
  const args = process.argv.slice(2);
  if (args[0] === '--print') {
    process.stdout.write(`${targets(args.length > 1 ? args.slice(1) : null).join(' ')}\n`);
    process.exit(0);
  }
  const addresses = args.length > 0 ? args : targets(null);
  const failures = (await Promise.all(addresses.map(check))).filter(Boolean);
  if (failures.length > 0) {
    process.stderr.write(`unhealthy: ${failures.join('; ')}\n`);
    process.exit(1);
  }
  process.exit(0);
} catch (err) {
  process.stderr.write(`healthcheck: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
