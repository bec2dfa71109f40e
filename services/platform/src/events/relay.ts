import type { JetStreamClient } from '@nats-io/jetstream';
import type { Model } from 'mongoose';
import { errorMeta, type Logger } from './logger.js';
import { publishEvent } from './publish.js';
import { leanBytes as toBytes } from '../mongo.js';

/**
 * Any mongoose model, whatever its generics: mongoose 9 models with virtuals
 * or methods are not assignable to `Model<any>`, and the relay only uses
 * untyped find/updateOne on them.
 */
export type AnyModel = Model<any, any, any, any, any, any, any>;

/** What the relay drains and where to; one relay per process covers all of its aggregates. */
export interface OutboxRelayOptions {
  js: JetStreamClient;
  /** Models whose schema includes `outbox: outboxSchema`. */
  models: AnyModel[];
  logger: Logger;
  /** Poll period; a safety net for writes made by other processes or missed kicks. Default 250ms. */
  intervalMs?: number;
  /**
   * While passes find nothing the period doubles up to this (default 2 s): an idle
   * process would otherwise query every outbox four times a second for nothing. A
   * kick or a pass that published resets it.
   */
  maxIntervalMs?: number;
  /** Documents fetched per query. Default 100. */
  batchSize?: number;
  /** Documents of a page publishing at once (each in its own order). Default 16. */
  concurrency?: number;
  publishTimeoutMs?: number;
}

/** Handle to a running relay. */
export interface OutboxRelay {
  /** Run a pass now instead of waiting for the next tick; call after a local write to cut latency. */
  kick(): void;
  /** Run one complete pass and resolve with the number of entries published (tests, shutdown). */
  flush(): Promise<number>;
  /** Stop polling; resolves once the in-flight pass has finished so no publish is cut in half. */
  stop(): Promise<void>;
}

interface LeanEntry {
  id: string;
  subject: string;
  type: string;
  data: unknown;
  traceparent?: string;
  tracestate?: string;
}

interface LeanDoc {
  _id: unknown;
  outbox?: LeanEntry[];
}


function traceHeaders(e: LeanEntry): Record<string, string> {
  const h: Record<string, string> = {};
  if (e.traceparent) h.traceparent = e.traceparent;
  if (e.tracestate) h.tracestate = e.tracestate;
  return h;
}

/**
 * Moves events from document outboxes to JetStream. For each pending entry
 * it publishes (Nats-Msg-Id = entry id), waits for the PubAck, then `$pull`s
 * the entry. A crash in between re-publishes on restart and the stream's
 * duplicate window drops the copy, so events are neither lost nor doubled.
 * Several relays (one per replica) may run over the same collection for the
 * same reason. Errors are logged and retried on the next tick; the relay
 * never throws into the process.
 */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { js, models, logger } = opts;
  const intervalMs = opts.intervalMs ?? 250;
  const maxIntervalMs = Math.max(intervalMs, opts.maxIntervalMs ?? 2_000);
  let idleIntervalMs = intervalMs;
  const batchSize = opts.batchSize ?? 100;
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  for (const model of models) {
    // Without the path, strict mode silently drops the $pull and the relay re-publishes forever.
    if (!model.schema.path('outbox')) {
      throw new Error(`startOutboxRelay: model ${model.modelName} has no 'outbox' field (add outbox: outboxSchema)`);
    }
  }

  let stopped = false;
  let kicked = false;
  let wake: (() => void) | null = null;
  // Passes are serialised so flush() and the loop never publish the same entry concurrently.
  let chain: Promise<unknown> = Promise.resolve();

  function serialised(): Promise<number> {
    const p = chain.then(pass);
    chain = p.catch(() => undefined);
    return p;
  }

  /** Publishes one document's entries in array order, so an aggregate's events go out in the order they happened. */
  async function publishDocument(doc: LeanDoc): Promise<{ done: string[]; error?: unknown }> {
    const done: string[] = [];
    for (const e of doc.outbox ?? []) {
      try {
        await publishEvent(
          js,
          { subject: e.subject, id: e.id, type: e.type, data: toBytes(e.data), headers: traceHeaders(e) },
          opts.publishTimeoutMs ? { timeoutMs: opts.publishTimeoutMs } : {},
        );
        done.push(e.id);
      } catch (err) {
        return { done, error: err };
      }
    }
    return { done };
  }

  /**
   * Relays a page of documents: up to `concurrency` documents publish at once (each
   * in its own order), then one bulk write `$pull`s what was published from all of
   * them. Under a write burst this is what keeps the relay ahead: one database round
   * trip per page instead of one per document, and PubAcks awaited side by side.
   */
  async function relayPage(model: AnyModel, docs: LeanDoc[]): Promise<{ published: number; failed: unknown[]; error?: unknown }> {
    const results: Array<{ doc: LeanDoc; done: string[]; error?: unknown }> = [];
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(concurrency, docs.length) }, async () => {
      while (next < docs.length) {
        const doc = docs[next++]!;
        results.push({ doc, ...(await publishDocument(doc)) });
      }
    }));
    let failed = results.filter((r) => r.error !== undefined).map((r) => r.doc._id);
    let error = results.find((r) => r.error !== undefined)?.error;
    const pulls = results.filter((r) => r.done.length > 0);
    let published = 0;
    for (const r of pulls) published += r.done.length;
    if (pulls.length > 0) {
      try {
        await model.bulkWrite(
          // timestamps: false, since publishing an event does not change the aggregate.
          pulls.map((r) => ({ updateOne: { filter: { _id: r.doc._id }, update: { $pull: { outbox: { id: { $in: r.done } } } }, timestamps: false } })),
          { ordered: false },
        );
      } catch (err) {
        // Already on JetStream; the next pass re-publishes and the duplicate window drops it.
        failed = docs.map((d) => d._id);
        error ??= err;
      }
    }
    return { published, failed, error };
  }

  const indexed = new WeakSet<AnyModel>();

  /**
   * One page of a model: the documents with the lowest ids that have pending entries,
   * except those that failed earlier in this pass. Always from the lowest id, not
   * onwards from the last page, so an entry added to an early document (a staff edit
   * during an import) waits for one page, not for the rest of the backlog.
   */
  async function relayModelPage(model: AnyModel, failedBefore: unknown[]): Promise<{ published: number; full: boolean; failed: unknown[]; error?: unknown }> {
    if (!indexed.has(model)) {
      // A sparse index holds only documents with pending entries, so each poll reads
      // those instead of scanning the whole collection.
      await model.collection.createIndex({ 'outbox.id': 1 }, { sparse: true, name: 'outbox_pending' });
      indexed.add(model);
    }
    const filter: Record<string, unknown> = { 'outbox.id': { $exists: true } };
    if (failedBefore.length > 0) filter._id = { $nin: failedBefore };
    const docs = (await model.find(filter).select({ outbox: 1 }).sort({ _id: 1 }).limit(batchSize).lean().exec()) as unknown as LeanDoc[];
    const r = await relayPage(model, docs);
    return { ...r, full: docs.length === batchSize };
  }

  /**
   * Drains every model a page at a time, taking turns, so a burst on one aggregate
   * (a product import) does not hold back another's events (a category change).
   */
  async function pass(): Promise<number> {
    kicked = false;
    let total = 0;
    const failed = new Map<AnyModel, unknown[]>(models.map((m) => [m, []]));
    const errors = new Map<AnyModel, unknown>();
    let turn = [...models];
    while (turn.length > 0 && !stopped) {
      const again: AnyModel[] = [];
      for (const model of turn) {
        try {
          const r = await relayModelPage(model, failed.get(model)!);
          total += r.published;
          failed.get(model)!.push(...r.failed);
          if (r.error !== undefined && !errors.has(model)) errors.set(model, r.error);
          if (r.full) again.push(model);
        } catch (err) {
          logger.error('outbox relay: pass failed, will retry', { model: model.modelName, ...errorMeta(err) });
        }
      }
      turn = again;
    }
    for (const [model, error] of errors) {
      // One line per model per pass: a NATS outage would otherwise log once per document.
      logger.error('outbox relay: publish or $pull failed, will retry', {
        model: model.modelName,
        documents: failed.get(model)!.length,
        ...errorMeta(error),
      });
    }
    return total;
  }

  function sleep(): Promise<void> {
    if (kicked || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, idleIntervalMs);
      // The relay alone should not keep a process alive.
      timer.unref();
      wake = done;
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
    });
  }

  const loop = (async () => {
    while (!stopped) {
      const published = await serialised().catch((err: unknown) => {
        logger.error('outbox relay: pass failed', errorMeta(err));
        return 0;
      });
      idleIntervalMs = published > 0 || kicked ? intervalMs : Math.min(idleIntervalMs * 2, maxIntervalMs);
      await sleep();
    }
  })();

  return {
    kick() {
      kicked = true;
      wake?.();
    },
    flush: serialised,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await chain;
    },
  };
}
