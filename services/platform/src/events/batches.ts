const NOT_READY = Symbol('not ready');

/**
 * Groups an async iterator's items into batches of what is already buffered: waits
 * for one item, then takes whatever else arrives without waiting (up to `max`).
 * An idle source yields batches of one with no added delay; a backlog yields full
 * batches, so per-batch costs (a database round trip) are paid once per batch.
 */
export async function* bufferedBatches<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const it = source[Symbol.asyncIterator]();
  // A next() that was not ready when a batch closed; it is the next batch's first item.
  let pending: Promise<IteratorResult<T>> | null = null;
  for (;;) {
    const first = await (pending ?? it.next());
    pending = null;
    if (first.done) return;
    const batch = [first.value];
    while (batch.length < max) {
      const next = it.next();
      // One turn of the event loop: buffered items resolve in microtasks before setImmediate runs.
      const ready = await Promise.race([next, new Promise<typeof NOT_READY>((r) => setImmediate(() => r(NOT_READY)))]);
      if (ready === NOT_READY) {
        pending = next;
        break;
      }
      if (ready.done) {
        yield batch;
        return;
      }
      batch.push(ready.value);
    }
    yield batch;
  }
}
