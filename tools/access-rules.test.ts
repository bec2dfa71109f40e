// The permission table covers every method (issue 3): walks every shop.* service in
// the descriptor set buf built from proto/ (envoy/descriptor.binpb, the same file
// Envoy transcodes with) and checks that a service module in services/mesh.ts serves
// it and declares a valid access rule for each of its methods. Nothing is started:
// the access tables are static data on the modules.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileDescriptorSet } from '../gen/google/protobuf/descriptor.js';
import { ALL_SERVICES } from '../services/mesh.js';
import { describeAccessRule, isAccessRule } from '../services/platform/src/auth.js';
import type { ServiceModule } from '../services/platform/src/runtime.js';
import { ROOT } from './harness/stack.js';

interface ContractMethod {
  service: string;
  path: string;
}

/** Every RPC of every shop.* service in the contract. */
function contractMethods(): ContractMethod[] {
  const set = FileDescriptorSet.decode(readFileSync(join(ROOT, 'envoy/descriptor.binpb')));
  const out: ContractMethod[] = [];
  for (const file of set.file) {
    if (!file.package?.startsWith('shop.')) continue;
    for (const service of file.service) {
      const name = `${file.package}.${service.name}`;
      for (const method of service.method) out.push({ service: name, path: `/${name}/${method.name}` });
    }
  }
  return out;
}

/** gRPC path -> the module serving it and the definition key of the method. */
function servedMethods(): Map<string, { module: ServiceModule; key: string }> {
  const served = new Map<string, { module: ServiceModule; key: string }>();
  for (const module of ALL_SERVICES) {
    for (const [key, method] of Object.entries(module.definition)) {
      const other = served.get(method.path);
      assert.ok(!other, `${method.path} is served by both ${other?.module.name} and ${module.name}`);
      served.set(method.path, { module, key });
    }
  }
  return served;
}

test('every method of every shop.* service has a module and a declared access rule', () => {
  const methods = contractMethods();
  assert.ok(methods.length > 0, 'the descriptor set has no shop.* services: run bash tools/gen.sh');
  const served = servedMethods();
  const problems: string[] = [];
  const servedServices = new Set([...served.keys()].map((path) => path.split('/')[1]));
  for (const { service, path } of methods) {
    if (!servedServices.has(service)) {
      problems.push(`${service}: no service module in services/mesh.ts ALL_SERVICES serves it`);
      continue;
    }
    const entry = served.get(path);
    if (!entry) {
      problems.push(`${path}: in the contract but not in the generated definition (run bash tools/gen.sh)`);
      continue;
    }
    const rule: unknown = (entry.module.access as Record<string, unknown>)[entry.key];
    if (rule === undefined) problems.push(`${path}: ${entry.module.name} declares no access rule for ${entry.key}`);
    else if (!isAccessRule(rule)) problems.push(`${path}: ${entry.module.name} declares a malformed rule ${JSON.stringify(rule)}`);
  }
  // Collapse one line per service without a module, whatever its number of methods.
  assert.deepEqual([...new Set(problems)], []);
});

test('no module declares rules for methods its service does not have', () => {
  const stale: string[] = [];
  for (const module of ALL_SERVICES) {
    const keys = new Set(Object.keys(module.definition));
    for (const key of Object.keys(module.access)) if (!keys.has(key)) stale.push(`${module.name}: access rule for unknown method ${key}`);
  }
  assert.deepEqual(stale, []);
});

test('every method a module serves is in the contract', () => {
  const known = new Set(contractMethods().map((m) => m.path));
  const extra = [...servedMethods().keys()].filter((path) => !known.has(path));
  assert.deepEqual(extra, [], 'generated code and descriptor set disagree: run bash tools/gen.sh');
});

test('the access tables read as expected for the catalog (a sample of the table)', () => {
  const catalog = ALL_SERVICES.find((m) => m.name === 'catalog')!;
  const table = Object.fromEntries(Object.entries(catalog.access).map(([k, rule]) => [k, describeAccessRule(rule)]));
  assert.equal(table['getProduct'], 'public');
  assert.equal(table['createProduct'], 'permission catalog.products.write');
});
