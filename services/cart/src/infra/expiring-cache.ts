/**
 * Values by key for a while, in this process only. Bounded: past `maxEntries` the
 * oldest entries go first. `forget` drops keys at once (an event said they changed)
 * and moves the epoch on, so a load that started before the change cannot put its
 * older answer back (see `epoch` / `setIfUnchanged`).
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Taken before a load; the load's answer is kept only if nothing was forgotten meanwhile. */
  epoch(): number {
    return this.generation;
  }

  setIfUnchanged(epoch: number, key: string, value: V): void {
    if (this.ttlMs <= 0 || epoch !== this.generation) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(keys: Iterable<string>): void {
    this.generation++;
    for (const key of keys) this.entries.delete(key);
  }

  /** Drops every key `matches` accepts (a change that names no keys, only what they belong to). */
  forgetWhere(matches: (key: string, value: V) => boolean): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (matches(key, entry.value)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Reads many keys through a cache: the hits, then one batched load for the misses
 * (whose answers are cached when `keep` says so). `fresh` skips the hits but still
 * refreshes the cache with what it loads.
 */
export async function readThrough<K, V>(
  cache: ExpiringCache<V>,
  items: readonly K[],
  keyOf: (item: K) => string,
  load: (misses: K[]) => Promise<Map<string, V>>,
  options: { fresh: boolean; keep: (value: V) => boolean },
): Promise<Map<string, V>> {
  const found = new Map<string, V>();
  const misses: K[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) continue;
    seen.add(key);
    const hit = options.fresh ? undefined : cache.get(key);
    if (hit === undefined) misses.push(item);
    else found.set(key, hit);
  }
  if (misses.length === 0) return found;
  const epoch = cache.epoch();
  const loaded = await load(misses);
  for (const [key, value] of loaded) {
    found.set(key, value);
    if (options.keep(value)) cache.setIfUnchanged(epoch, key, value);
  }
  return found;
}
