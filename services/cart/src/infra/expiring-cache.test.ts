import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiringCache, readThrough } from './expiring-cache.js';

test('entries expire after their time and the oldest go first past the bound', () => {
  let now = 0;
  const cache = new ExpiringCache<number>(1000, 2, () => now);
  cache.setIfUnchanged(cache.epoch(), 'a', 1);
  now = 999;
  assert.equal(cache.get('a'), 1);
  now = 1000;
  assert.equal(cache.get('a'), undefined);
  for (const k of ['x', 'y', 'z']) cache.setIfUnchanged(cache.epoch(), k, 1);
  assert.equal(cache.get('x'), undefined);
  assert.equal(cache.size, 2);
});

test('a load that started before a change does not put its older answer back', () => {
  const cache = new ExpiringCache<number>(60_000);
  const before = cache.epoch();
  cache.forget(['a']);
  cache.setIfUnchanged(before, 'a', 1);
  assert.equal(cache.get('a'), undefined);
});

test('readThrough loads only the misses, once, keeps what it is told to, and fresh reads skip hits', async () => {
  const cache = new ExpiringCache<number>(60_000);
  const asked: string[][] = [];
  const load = async (misses: string[]) => {
    asked.push(misses);
    return new Map(misses.filter((m) => m !== 'gone').map((m) => [m, m.length]));
  };
  const options = { fresh: false, keep: (v: number) => v > 1 };
  assert.deepEqual([...(await readThrough(cache, ['ab', 'c', 'ab', 'gone'], (s) => s, load, options))], [['ab', 2], ['c', 1]]);
  assert.deepEqual(await readThrough(cache, ['ab', 'c'], (s) => s, load, options), new Map([['ab', 2], ['c', 1]]));
  assert.deepEqual(asked, [['ab', 'c', 'gone'], ['c']], 'only kept values are hits');
  await readThrough(cache, ['ab'], (s) => s, load, { ...options, fresh: true });
  assert.deepEqual(asked.at(-1), ['ab']);
});
