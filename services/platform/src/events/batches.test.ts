import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bufferedBatches } from './batches.js';

/** A source whose items become available when the test pushes them, like a consumer's message buffer. */
function channel<T>() {
  const items: T[] = [];
  const waiting: Array<(r: IteratorResult<T>) => void> = [];
  let closed = false;
  return {
    push(...values: T[]) {
      for (const v of values) {
        const w = waiting.shift();
        if (w) w({ value: v, done: false });
        else items.push(v);
      }
    },
    close() {
      closed = true;
      for (const w of waiting.splice(0)) w({ value: undefined, done: true });
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<T> {
      for (;;) {
        if (items.length > 0) yield items.shift()!;
        else if (closed) return;
        else {
          const r = await new Promise<IteratorResult<T>>((resolve) => waiting.push(resolve));
          if (r.done) return;
          yield r.value;
        }
      }
    },
  };
}

test('a backlog comes out in full batches, in order, and a trickle one at a time without waiting', async () => {
  const source = channel<number>();
  source.push(...Array.from({ length: 10 }, (_, i) => i));
  const batches: number[][] = [];
  const reading = (async () => {
    for await (const batch of bufferedBatches(source, 4)) batches.push(batch);
  })();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(batches, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);

  source.push(10);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(batches.at(-1), [10], 'a lone item is not held back for company');
  source.push(11, 12);
  source.close();
  await reading;
  assert.deepEqual(batches.flat(), Array.from({ length: 13 }, (_, i) => i));
});
