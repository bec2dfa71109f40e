import type { Redis } from 'ioredis';
import { reusableResponse } from '../../../platform/src/grpc/reusable.js';

/** Bumped (INCR) by every write that can change any list page: products, collections, category moves. */
export const LIST_GENERATION_KEY = 'catalog:products:generation';
/** Safety net: a writer that dies between its MongoDB write and the bump leaves old pages for at most this long. */
export const LIST_PAGE_TTL_MS = 30_000;

interface Stored<P> {
  page: P;
  storedAt: number;
}

/**
 * ListProducts pages held in process, keyed by the query and the catalog's list
 * generation in Redis. A reader reads the generation first (one Redis GET) and uses
 * only pages stored under it; every write bumps it after its MongoDB write and before
 * it answers, so after a write has answered no replica serves a page from before it,
 * and a page read while a write ran is stored under the old generation, which nobody
 * asks for again. Concurrent misses of one page in one generation share one query.
 * Without Redis every read goes to MongoDB.
 */
export class ProductListCache<P> {
  private generation: string | null = null;
  private pages = new Map<string, Stored<P>>();
  private loading = new Map<string, Promise<P>>();

  constructor(
    private readonly redis: Redis,
    private readonly maxPages = 2_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async read(query: string, load: () => Promise<P>): Promise<P> {
    let generation: string;
    try {
      generation = (await this.redis.get(LIST_GENERATION_KEY)) ?? '0';
    } catch {
      return load();
    }
    if (generation !== this.generation) {
      // Pages of older generations are never asked for again.
      this.generation = generation;
      this.pages = new Map();
      this.loading = new Map();
    }
    const stored = this.pages.get(query);
    if (stored && this.now() - stored.storedAt <= LIST_PAGE_TTL_MS) return stored.page;
    const pending = this.loading.get(query);
    if (pending) return pending;
    const pages = this.pages;
    const loading = this.loading;
    const storedAt = this.now();
    const promise = load().then(
      (page) => {
        loading.delete(query);
        // Served again and again unchanged: the host encodes it once.
        pages.set(query, { page: reusableResponse(page), storedAt });
        if (pages.size > this.maxPages) pages.delete(pages.keys().next().value!);
        return page;
      },
      (err: unknown) => {
        loading.delete(query);
        throw err;
      },
    );
    loading.set(query, promise);
    return promise;
  }

  /** Every cached page of every replica is old now. */
  async bump(): Promise<void> {
    await this.redis.incr(LIST_GENERATION_KEY);
  }
}

/**
 * The list generation as last read from Redis, polled every `everyMs`: the anchor that
 * lets the in-process product cache keep entries past their TTL while nothing was
 * written. Null when the last good read is older than two polls (Redis unreachable),
 * so nothing is kept on an outdated view.
 */
export class PolledListGeneration {
  private value: string | null = null;
  private readAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly everyMs = 1_000,
  ) {}

  current(): string | null {
    return Date.now() - this.readAt <= 2 * this.everyMs ? this.value : null;
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    const startedAt = Date.now();
    try {
      this.value = (await this.redis.get(LIST_GENERATION_KEY)) ?? '0';
      this.readAt = startedAt;
    } catch {
      // current() turns null once the last good read is too old.
    }
  }
}
