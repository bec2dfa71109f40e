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
  /** Documents fetched per query. Default 100. */
  batchSize?: number;
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
  const batchSize = opts.batchSize ?? 100;
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

  async function relayDocument(model: AnyModel, doc: LeanDoc): Promise<{ published: number; error?: unknown }> {
    const done: string[] = [];
    let error: unknown;
    // In array order so a single aggregate's events go out in the order they happened.
    for (const e of doc.outbox ?? []) {
      try {
        await publishEvent(
          js,
          { subject: e.subject, id: e.id, type: e.type, data: toBytes(e.data), headers: traceHeaders(e) },
          opts.publishTimeoutMs ? { timeoutMs: opts.publishTimeoutMs } : {},
        );
        done.push(e.id);
      } catch (err) {
        error = err;
        break;
      }
    }
    if (done.length > 0) {
      try {
        // timestamps: false, since publishing an event does not change the aggregate.
        await model.updateOne({ _id: doc._id }, { $pull: { outbox: { id: { $in: done } } } }, { timestamps: false });
      } catch (err) {
        // Already on JetStream; the next pass re-publishes and the duplicate window drops it.
        error ??= err;
      }
    }
    return { published: done.length, error };
  }

  const indexed = new WeakSet<AnyModel>();

  async function relayModel(model: AnyModel): Promise<number> {
    if (!indexed.has(model)) {
      // A sparse index holds only documents with pending entries, so each poll reads
      // those instead of scanning the whole collection.
      await model.collection.createIndex({ 'outbox.id': 1 }, { sparse: true, name: 'outbox_pending' });
      indexed.add(model);
    }
    let published = 0;
    let failures = 0;
    let firstError: unknown;
    let lastId: unknown;
    // Page by _id so a document that keeps failing is not fetched again in the same pass.
    for (;;) {
      const filter: Record<string, unknown> = { 'outbox.id': { $exists: true } };
      if (lastId !== undefined) filter._id = { $gt: lastId };
      const docs = (await model
        .find(filter)
        .select({ outbox: 1 })
        .sort({ _id: 1 })
        .limit(batchSize)
        .lean()
        .exec()) as unknown as LeanDoc[];
      for (const doc of docs) {
        const r = await relayDocument(model, doc);
        published += r.published;
        if (r.error !== undefined) {
          failures++;
          firstError ??= r.error;
        }
      }
      if (docs.length < batchSize || stopped) break;
      lastId = docs[docs.length - 1]!._id;
    }
    if (failures > 0) {
      // One line per model per pass: a NATS outage would otherwise log once per document.
      logger.error('outbox relay: publish or $pull failed, will retry', {
        model: model.modelName,
        documents: failures,
        ...errorMeta(firstError),
      });
    }
    return published;
  }

  async function pass(): Promise<number> {
    kicked = false;
    let total = 0;
    for (const model of models) {
      try {
        total += await relayModel(model);
      } catch (err) {
        logger.error('outbox relay: pass failed, will retry', { model: model.modelName, ...errorMeta(err) });
      }
    }
    return total;
  }

  function sleep(): Promise<void> {
    if (kicked || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, intervalMs);
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
      await serialised().catch((err: unknown) => logger.error('outbox relay: pass failed', errorMeta(err)));
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
