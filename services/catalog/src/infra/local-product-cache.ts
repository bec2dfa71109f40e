import type { Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { revisionOf } from '../app/messages.js';
import { reusableResponse } from '../../../platform/src/grpc/reusable.js';

/** Safety net: after this long a rendering is served again only if no product write happened anywhere since it was read. */
export const LOCAL_PRODUCT_TTL_MS = 30_000;
/** And never longer than this after it was read, whatever the anchor says. */
export const LOCAL_PRODUCT_MAX_AGE_MS = 300_000;
/** A floor outlives every older copy (the Redis cache's TTL is 30 s), then it is forgotten. */
const FLOOR_KEEP_MS = 120_000;
const DELETED = Number.POSITIVE_INFINITY;

/** What a reader notes before it reads: a fill of what it read is checked against it. */
export interface ReadToken {
  epoch: number;
  anchor: string | null;
}

interface Entry {
  filledAt: number;
  checkedAt: number;
  /** The catalog's write generation known before the read that filled it (null: unknown). */
  anchor: string | null;
  renderings: Map<string, Product>;
}

/**
 * GetProduct's in-process cache in front of the Redis one: Product messages per product
 * and rendering (the locale; the reader checks visibility), from reads this replica
 * served and from product events, which carry the whole product. Writes in this
 * replica and product events from every replica invalidate it; each invalidation also
 * raises the product's revision floor, and a rendering below its floor is never stored.
 * So a read that started before a write (from MongoDB or a not yet invalidated Redis
 * entry) cannot put the old state back, whichever path the invalidation came by. Until
 * `open()` (the event subscription is live) and after `close()` (it was interrupted and
 * events may be lost) it stores nothing and serves nothing.
 *
 * The TTL guards against an invalidation lost anyway: an entry older than it is kept only
 * while `anchor()` (the catalog's write generation in Redis, which every product write
 * bumps before it answers) is still the one noted before the entry was read, so a quiet
 * catalog stays cached without re-reading MongoDB, and never past the maximum age.
 */
export class LocalProductCache {
  private readonly entries = new Map<string, Entry>();
  private readonly floors = new Map<string, { revision: number; at: number }>();
  private live = false;
  private epoch = 0;

  constructor(
    private readonly anchor: () => string | null = () => null,
    private readonly maxProducts = 50_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Events flow: storing is safe again (nothing stored before can be stale, as close() dropped it). */
  open(): void {
    this.live = true;
  }

  /** Events may have been lost: drop everything and store nothing until open(). */
  close(): void {
    this.live = false;
    this.epoch++;
    this.entries.clear();
  }

  /** Taken by a reader before it reads: a fill of what it read is refused if events were interrupted meanwhile. */
  begin(): ReadToken {
    return { epoch: this.epoch, anchor: this.anchor() };
  }

  get(id: string, rendering: string): Product | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const now = this.now();
    if (now - entry.checkedAt > LOCAL_PRODUCT_TTL_MS) {
      const anchor = this.anchor();
      if (now - entry.filledAt > LOCAL_PRODUCT_MAX_AGE_MS || entry.anchor === null || anchor !== entry.anchor) {
        this.entries.delete(id);
        return undefined;
      }
      entry.checkedAt = now;
    }
    return entry.renderings.get(rendering);
  }

  /** Stores a rendering unless a write newer than it was seen (its revision is below the floor). */
  fill(id: string, rendering: string, product: Product, token: ReadToken): boolean {
    if (!this.live || token.epoch !== this.epoch || revisionOf(product.etag) < this.floorOf(id)) return false;
    let entry = this.entries.get(id);
    const now = this.now();
    if (entry && (now - entry.checkedAt > LOCAL_PRODUCT_TTL_MS || entry.anchor !== token.anchor)) {
      // Renderings of one entry share its anchor: a fill under another starts afresh.
      this.entries.delete(id);
      entry = undefined;
    }
    if (!entry) {
      entry = { filledAt: now, checkedAt: now, anchor: token.anchor, renderings: new Map() };
      this.entries.set(id, entry);
      // Oldest first out: Map keeps insertion order.
      if (this.entries.size > this.maxProducts) this.entries.delete(this.entries.keys().next().value!);
    }
    // Served again and again unchanged: the host encodes it once.
    entry.renderings.set(rendering, reusableResponse(product));
    return true;
  }

  /**
   * A product's new state as its event (or this replica's write) tells it: replaces
   * every rendering by this one (the default-locale one events carry), unless a newer
   * revision was seen already.
   */
  put(product: Product): void {
    const revision = revisionOf(product.etag);
    if (revision < this.floorOf(product.id)) return;
    const token = this.begin();
    this.invalidate(product.id, revision);
    this.fill(product.id, '', product, token);
  }

  /** The product changed to `revision` (or was deleted): drop it and refuse anything older. */
  invalidate(id: string, revision: number | 'deleted'): void {
    this.entries.delete(id);
    const wanted = revision === 'deleted' ? DELETED : revision;
    const at = this.now();
    const floor = this.floors.get(id);
    this.floors.delete(id); // re-inserted last, so the map stays ordered by time
    this.floors.set(id, { revision: Math.max(wanted, floor?.revision ?? 0), at });
    for (const [key, f] of this.floors) {
      if (at - f.at <= FLOOR_KEEP_MS) break;
      this.floors.delete(key);
    }
  }

  private floorOf(id: string): number {
    const floor = this.floors.get(id);
    return floor && this.now() - floor.at <= FLOOR_KEEP_MS ? floor.revision : 0;
  }
}
