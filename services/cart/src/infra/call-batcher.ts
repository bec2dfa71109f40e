/**
 * Merges the calls made in one turn of the event loop into one per group: every
 * caller asking in that turn waits on a single downstream call carrying all their
 * items, and reads its own from the shared answer. Under load many requests' cache
 * misses meet in a turn, and a call costs far more than an item.
 */
export class CallBatcher<I, R> {
  private readonly pending = new Map<string, { items: I[]; waiters: Array<{ resolve: (r: R) => void; reject: (e: unknown) => void }> }>();

  constructor(
    private readonly call: (items: I[]) => Promise<R>,
    /** Most items per call (the downstream method's limit). */
    private readonly maxItems: number,
    /** Two items one call cannot carry together (their answers would collide). */
    private readonly clash: (a: I, b: I) => boolean = () => false,
  ) {}

  /** `group`: items that may share a call (e.g. one currency, pricing group and quantity). */
  run(group: string, items: readonly I[]): Promise<R> {
    let batch = this.pending.get(group);
    if (batch && (batch.items.length + items.length > this.maxItems || items.some((i) => batch!.items.some((p) => this.clash(p, i))))) {
      this.flush(group);
      batch = undefined;
    }
    if (!batch) {
      const created = { items: [] as I[], waiters: [] as Array<{ resolve: (r: R) => void; reject: (e: unknown) => void }> };
      this.pending.set(group, created);
      setImmediate(() => {
        if (this.pending.get(group) === created) this.flush(group);
      });
      batch = created;
    }
    batch.items.push(...items);
    const waiters = batch.waiters;
    return new Promise<R>((resolve, reject) => waiters.push({ resolve, reject }));
  }

  private flush(group: string): void {
    const batch = this.pending.get(group)!;
    this.pending.delete(group);
    this.call(batch.items).then(
      (answer) => batch.waiters.forEach((w) => w.resolve(answer)),
      (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }
}
