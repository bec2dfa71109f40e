import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallBatcher } from './call-batcher.js';

test('calls of one turn share one downstream call per group, up to the item limit', async () => {
  const calls: string[][] = [];
  const batcher = new CallBatcher(async (items: string[]) => {
    calls.push(items);
    return new Set(items);
  }, 3);
  const answers = await Promise.all([batcher.run('a', ['x']), batcher.run('a', ['y']), batcher.run('b', ['z']), batcher.run('a', ['u', 'v'])]);
  assert.deepEqual(calls, [['x', 'y'], ['z'], ['u', 'v']]);
  assert.ok(answers[0]!.has('y') && answers[1]!.has('x'), 'both callers see the shared answer');
  await batcher.run('a', ['w']);
  assert.deepEqual(calls.at(-1), ['w'], 'a later turn makes a new call');
});

test('items that clash go to separate calls', async () => {
  const calls: Array<Array<{ sku: string; quantity: number }>> = [];
  const batcher = new CallBatcher(async (items: Array<{ sku: string; quantity: number }>) => {
    calls.push(items);
  }, 10, (a, b) => a.sku === b.sku && a.quantity !== b.quantity);
  await Promise.all([batcher.run('', [{ sku: 'A', quantity: 1 }]), batcher.run('', [{ sku: 'A', quantity: 2 }]), batcher.run('', [{ sku: 'B', quantity: 2 }])]);
  assert.deepEqual(calls.map((c) => c.map((i) => `${i.sku}${i.quantity}`)), [['A1'], ['A2', 'B2']]);
});

test('a failed call fails every caller that shared it', async () => {
  const batcher = new CallBatcher(async () => {
    throw new Error('down');
  }, 10);
  const results = await Promise.allSettled([batcher.run('a', [1]), batcher.run('a', [2])]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
});
