import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  ReplayPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers as natsHeaders, nanos, type MsgHdrs } from '@nats-io/transport-node';
import type { Connection } from 'mongoose';
import { errorMeta, type Logger } from './logger.js';
import { bufferedBatches } from './batches.js';
import { processedAmong, processedEventModel, recordProcessed } from './processed.js';
import { deadLetterStream, ensureStreams } from './streams.js';
import {
  DEAD_LETTER_PREFIX,
  DEAD_LETTER_STREAM,
  EVENT_TYPE_HEADER,
  MSG_ID_HEADER,
} from './subjects.js';

/** An event as a handler sees it: decoded envelope, payload still protobuf bytes. */
export interface ConsumedEvent {
  id: string;
  subject: string;
  /** Full protobuf type name from Shop-Event-Type; pick the decoder by this. */
  type: string;
  data: Uint8Array;
  headers: Record<string, string>;
  /** 1 on first delivery; lets handlers tell a retry from a first attempt. */
  deliveryCount: number;
  streamSeq: number;
}

/** Everything a durable consumer needs; defaults follow DESIGN.md so most services set only the handler. */
export interface ConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** Durable name; also the key under which processed event ids are remembered. */
  durable: string;
  filterSubject?: string;
  /** Throw to retry; return to acknowledge. Must tolerate a rare re-run after a crash. */
  handle(event: ConsumedEvent): Promise<void> | void;
  /** Deliveries before a failing event is parked in the dead-letter stream. Default 5. */
  maxDeliver?: number;
  /** Redelivery delay per failed attempt (last value repeats). Default 1s, 5s, 15s, 30s, 60s. */
  backoffMs?: number[];
  /** The service's mongoose connection; `processed_events` lives next to its data. */
  connection: Connection;
  logger: Logger;
  /** How long the server waits for an ack before redelivering; extended while the handler runs. Default 30s. */
  ackWaitMs?: number;
  /** Messages pulled ahead of the handler; small because their ack timers are already running. Default 10. */
  prefetch?: number;
  /**
   * Most buffered messages handled as one batch (one processed-id lookup, one insert,
   * acks in parallel). Handlers still run one at a time in delivery order. Default: prefetch.
   */
  maxBatch?: number;
  /** Dead-letter stream and subject prefix; overridable so tests can isolate themselves. */
  deadLetter?: { stream: string; subjectPrefix: string };
}

/** Handle to a running consumer. */
export interface RunningConsumer {
  /** Stops pulling and resolves after the in-flight handler has been acked or nak'ed. */
  stop(): Promise<void>;
}

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 15_000, 30_000, 60_000];
const RESTART_DELAY_MS = 1_000;
/** NATS header values are single-line; bound them so one huge error cannot exceed max_payload. */
const MAX_HEADER_VALUE = 1024;

function headerRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}

function headerValue(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, MAX_HEADER_VALUE);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Runs a durable pull consumer with the house rules: explicit acks, nak
 * with growing delay on failure, dead-lettering after `maxDeliver`
 * attempts, and skipping events this durable already processed. The
 * attempt limit is enforced here rather than by the server's max_deliver,
 * because the server would silently stop redelivering if parking in the
 * dead-letter stream failed; this way a poison message is never dropped.
 */
export async function startConsumer(opts: ConsumerOptions): Promise<RunningConsumer> {
  const { js, jsm, stream, durable, logger } = opts;
  const maxDeliver = Math.max(1, opts.maxDeliver ?? 5);
  const backoffMs = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
  const ackWaitMs = opts.ackWaitMs ?? 30_000;
  const prefetch = opts.prefetch ?? 10;
  const maxBatch = Math.max(1, opts.maxBatch ?? prefetch);
  const dlq = opts.deadLetter ?? { stream: DEAD_LETTER_STREAM, subjectPrefix: DEAD_LETTER_PREFIX };
  const processed = processedEventModel(opts.connection);
  const log = { stream, durable };

  await ensureStreams(jsm, [deadLetterStream({ name: dlq.stream, subjects: [`${dlq.subjectPrefix}.>`] })]);
  await processed.init();
  await ensureConsumer();

  let stopped = false;
  let messages: ConsumerMessages | undefined;

  async function ensureConsumer(): Promise<void> {
    const cfg: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      ack_wait: nanos(ackWaitMs),
      max_deliver: -1,
      max_ack_pending: Math.max(1000, prefetch * 4),
      ...(opts.filterSubject ? { filter_subject: opts.filterSubject } : {}),
    };
    try {
      await jsm.consumers.add(stream, cfg);
    } catch (err) {
      // Exists with an older config (e.g. a new release changed ack_wait): apply what may change.
      if (!(err instanceof JetStreamApiError)) throw err;
      logger.warn('consumer exists with different config, updating', { ...log, ...errorMeta(err) });
      await jsm.consumers.update(stream, durable, {
        ack_wait: cfg.ack_wait,
        max_deliver: cfg.max_deliver,
        max_ack_pending: cfg.max_ack_pending,
      });
    }
  }

  function toEvent(m: JsMsg): ConsumedEvent {
    const headers = headerRecord(m.headers);
    return {
      // Without Nats-Msg-Id the stream position is the only stable identity we have.
      id: headers[MSG_ID_HEADER] || `${m.info.stream}:${m.seq}`,
      subject: m.subject,
      type: headers[EVENT_TYPE_HEADER] ?? '',
      data: m.data,
      headers,
      deliveryCount: m.info.deliveryCount,
      streamSeq: m.seq,
    };
  }

  function retryDelay(deliveryCount: number): number {
    if (backoffMs.length === 0) return 0;
    return backoffMs[Math.min(deliveryCount - 1, backoffMs.length - 1)] ?? 0;
  }

  async function ack(m: JsMsg): Promise<void> {
    try {
      // Wait for the server so a lost ack shows up in logs; the processed record covers the redelivery.
      await m.ackAck();
    } catch (err) {
      logger.warn('ack not confirmed; a redelivery will be skipped as processed', { ...log, ...errorMeta(err) });
    }
  }

  async function deadLetter(ev: ConsumedEvent, reason: unknown): Promise<void> {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(ev.headers)) {
      // Nats-* headers would be interpreted by the dead-letter stream (dedupe, expectations).
      if (!k.startsWith('Nats-')) h.set(k, v);
    }
    h.set('Shop-Event-Id', ev.id);
    h.set('Shop-DLQ-Reason', headerValue(errorMeta(reason).error));
    h.set('Shop-DLQ-Consumer', durable);
    h.set('Shop-DLQ-Stream', stream);
    h.set('Shop-DLQ-Stream-Seq', String(ev.streamSeq));
    h.set('Shop-DLQ-Original-Subject', ev.subject);
    h.set('Shop-DLQ-Deliveries', String(ev.deliveryCount));
    h.set('Shop-DLQ-Failed-At', new Date().toISOString());
    await js.publish(`${dlq.subjectPrefix}.${ev.subject}`, ev.data, {
      // Per durable: two consumers failing on the same event must both be parked.
      msgID: `${durable}:${ev.id}`,
      headers: h,
    });
  }

  async function onFailure(m: JsMsg, ev: ConsumedEvent, err: unknown): Promise<void> {
    if (ev.deliveryCount < maxDeliver) {
      const wait = retryDelay(ev.deliveryCount);
      logger.warn('event handler failed, will retry', {
        ...log, eventId: ev.id, subject: ev.subject, attempt: ev.deliveryCount, retryInMs: wait, ...errorMeta(err),
      });
      m.nak(wait);
      return;
    }
    try {
      await deadLetter(ev, err);
    } catch (dlqErr) {
      logger.error('could not dead-letter event, will retry', { ...log, eventId: ev.id, ...errorMeta(dlqErr) });
      m.nak(retryDelay(ev.deliveryCount));
      return;
    }
    // No reason argument: servers before 2.11 ignore "+TERM <reason>" and would redeliver.
    m.term();
    logger.error('event parked in dead-letter stream', {
      ...log, eventId: ev.id, subject: ev.subject, attempts: ev.deliveryCount, ...errorMeta(err),
    });
  }

  /**
   * Handles a batch of messages in delivery order with two database round trips for
   * all of them: one query for the ids already processed before, one insert recording
   * those handled now. The record is written after the handlers and before the acks,
   * as for a single message, so a crash in between re-runs handlers (at least once)
   * and never loses an event.
   */
  async function processBatch(batch: JsMsg[]): Promise<void> {
    const events = batch.map(toEvent);
    let done: Set<string>;
    try {
      done = await processedAmong(processed, durable, events.map((e) => e.id));
    } catch (err) {
      logger.error('could not check processed events, will retry', { ...log, events: events.length, ...errorMeta(err) });
      for (const m of batch) m.nak(retryDelay(m.info.deliveryCount));
      return;
    }

    const open = new Set(batch);
    // Keep the server from redelivering to another replica while slow handlers work through the batch.
    const keepAlive = setInterval(() => {
      for (const m of open) m.working();
    }, Math.max(500, Math.floor(ackWaitMs / 2)));
    const handled: ConsumedEvent[] = [];
    const toAck: JsMsg[] = [];
    try {
      for (const [i, m] of batch.entries()) {
        const ev = events[i]!;
        if (stopped) {
          // Not started: hand it back now rather than after ack_wait.
          m.nak();
          open.delete(m);
          continue;
        }
        // Processed before, or earlier in this batch (a redelivery beside the first delivery).
        if (done.has(ev.id)) {
          toAck.push(m);
          continue;
        }
        try {
          await opts.handle(ev);
          handled.push(ev);
          done.add(ev.id);
          toAck.push(m);
        } catch (err) {
          open.delete(m);
          await onFailure(m, ev, err);
        }
      }
    } finally {
      clearInterval(keepAlive);
    }

    try {
      await recordProcessed(processed, durable, handled);
    } catch (err) {
      // Still ack: retrying would certainly re-run the handlers' side effects.
      logger.warn('handled events not recorded as processed', { ...log, events: handled.length, ...errorMeta(err) });
    }
    await Promise.all(toAck.map(ack));
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(stream, durable);
        // Abort rather than wait for someone else to re-create a deleted consumer; the loop re-ensures it.
        messages = await consumer.consume({ max_messages: prefetch, abort_on_missing_resource: true });
        if (stopped) await messages.close();
        for await (const batch of bufferedBatches(messages, maxBatch)) {
          try {
            await processBatch(batch);
          } catch (err) {
            logger.error('unexpected consumer error', { ...log, ...errorMeta(err) });
            for (const m of batch) m.nak(retryDelay(m.info.deliveryCount));
          }
        }
      } catch (err) {
        logger.error('consumer loop failed, restarting', { ...log, ...errorMeta(err) });
      }
      if (stopped) break;
      await delay(RESTART_DELAY_MS);
      try {
        // The consumer may have been deleted (e.g. stream re-created); put it back.
        await ensureConsumer();
      } catch (err) {
        logger.error('could not re-create consumer', { ...log, ...errorMeta(err) });
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      await messages?.close();
      await loop;
    },
  };
}
