import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { ROOT_CONTEXT, context, trace, TraceFlags, type Context, type ContextManager } from '@opentelemetry/api';
import {
  connectNats,
  domainStream,
  ensureStreams,
  followEvents,
  outboxEntry,
  outboxSchema,
  processedEventModel,
  publishEvent,
  startConsumer,
  startOutboxRelay,
  type ConsumedEvent,
  type ConsumerOptions,
  type Logger,
  type NatsHandles,
  type OutboxEntry,
  type RunningConsumer,
  type StreamSpec,
} from '../src/events/index.js';

const NATS_URL = process.env.SHOP_NATS_URL;
const MONGO_URL = process.env.SHOP_MONGO_URL;
const skip = !NATS_URL || !MONGO_URL ? 'SHOP_NATS_URL and SHOP_MONGO_URL must be set' : false;

let nats: NatsHandles;
let db: Connection;
const streamsToDelete: string[] = [];

before(async () => {
  if (skip) return;
  nats = await connectNats(NATS_URL!, 'events-test');
  db = await mongoose.createConnection(MONGO_URL!, { dbName: `events_test_${suffix()}` }).asPromise();
});

after(async () => {
  if (skip) return;
  // Each step guarded: a failed before() must not leave a socket open and hang the run.
  if (nats) {
    for (const s of streamsToDelete) await nats.jsm.streams.delete(s).catch(() => undefined);
  }
  await db?.dropDatabase().catch(() => undefined);
  await db?.close().catch(() => undefined);
  await nats?.close().catch(() => undefined);
});

function suffix(): string {
  return randomBytes(4).toString('hex');
}

/** Records log lines so tests stay quiet and can assert on them. */
function memoryLogger(): Logger & { lines: { level: string; msg: string; meta?: object }[] } {
  const lines: { level: string; msg: string; meta?: object }[] = [];
  const log = (level: string) => (msg: string, meta?: object) => {
    lines.push({ level, msg, meta });
    if (process.env.EVENTS_TEST_VERBOSE) console.error(level, msg, meta ?? '');
  };
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fixture {
  domain: string;
  subject: string;
  stream: StreamSpec;
  deadLetter: { stream: string; subjectPrefix: string };
}

/** A private domain stream and dead-letter stream so parallel runs never share state. */
async function fixture(streamOverrides: Partial<StreamSpec> = {}): Promise<Fixture> {
  const s = suffix();
  const domain = `evtest${s}`;
  const stream = domainStream(domain, { storage: 'memory', ...streamOverrides });
  const deadLetter = { stream: `EVTEST_DLQ_${s.toUpperCase()}`, subjectPrefix: `evtest.${s}.deadletter` };
  await ensureStreams(nats.jsm, [stream]);
  streamsToDelete.push(stream.name, deadLetter.stream);
  return { domain, subject: `shop.${domain}.product_created`, stream, deadLetter };
}

interface Product {
  name: string;
  stock: number;
  outbox: OutboxEntry[];
}

function productModel(): Model<Product> {
  const schema = new Schema<Product>({ name: String, stock: { type: Number, default: 0 }, outbox: outboxSchema });
  return db.model<Product>(`Product_${suffix()}`, schema, `products_${suffix()}`);
}

async function streamMessages(stream: string): Promise<number> {
  return (await nats.jsm.streams.info(stream)).state.messages;
}

async function consume(
  f: Fixture,
  handle: ConsumerOptions['handle'],
  overrides: Partial<ConsumerOptions> = {},
): Promise<RunningConsumer> {
  return startConsumer({
    js: nats.js,
    jsm: nats.jsm,
    stream: f.stream.name,
    durable: `test_${suffix()}`,
    filterSubject: `shop.${f.domain}.>`,
    handle,
    maxDeliver: 5,
    backoffMs: [50, 100, 200],
    connection: db,
    logger: memoryLogger(),
    deadLetter: f.deadLetter,
    ...overrides,
  });
}

const payload = (n: number) => Uint8Array.of(0x08, n & 0x7f); // protobuf: field 1 varint

test('an event arrives on JetStream exactly once even when the relay publishes it twice', { skip }, async () => {
  const f = await fixture();
  const Product = productModel();
  const entry = outboxEntry(f.subject, 'shop.evtest.v1.ProductCreated', payload(7));
  const doc = await Product.create({ name: 'mug', outbox: [entry] });

  // First relay "crashes" after the PubAck but before its $pull lands.
  const logger = memoryLogger();
  // The relay $pulls a page's published entries in one bulk write.
  const realBulkWrite = Product.bulkWrite;
  Product.bulkWrite = (() => Promise.reject(new Error('simulated crash before $pull'))) as never;
  const crashed = startOutboxRelay({ js: nats.js, models: [Product], logger, intervalMs: 60_000 });
  try {
    assert.equal(await crashed.flush(), 1);
  } finally {
    await crashed.stop();
    Product.bulkWrite = realBulkWrite;
  }
  assert.equal(await streamMessages(f.stream.name), 1);
  assert.equal((await Product.findById(doc._id).lean())!.outbox.length, 1, 'entry must still be pending');
  assert.ok(logger.lines.some((l) => l.level === 'error'), 'the failed $pull is logged, not thrown');

  // The restarted relay publishes the same entry again, then removes it.
  const relay = startOutboxRelay({ js: nats.js, models: [Product], logger: memoryLogger(), intervalMs: 20 });
  await waitFor('outbox drained', async () => (await Product.findById(doc._id).lean())!.outbox.length === 0);
  await relay.stop();
  assert.equal(await streamMessages(f.stream.name), 1, 'JetStream de-duplicated the re-publish');

  const seen: ConsumedEvent[] = [];
  const consumer = await consume(f, (ev) => void seen.push(ev));
  await waitFor('event handled', () => seen.length >= 1);
  await sleep(500);
  await consumer.stop();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.id, entry.id);
  assert.equal(seen[0]!.subject, f.subject);
  assert.equal(seen[0]!.type, 'shop.evtest.v1.ProductCreated');
  assert.equal(seen[0]!.headers['Nats-Msg-Id'], entry.id);
  assert.deepEqual([...seen[0]!.data], [...payload(7)]);
});

test('an idle relay polls less and less often, and an entry written elsewhere still goes out within the longest period', { skip }, async () => {
  const f = await fixture();
  const Product = productModel();
  const realFind = Product.find;
  let passes = 0;
  Product.find = ((...args: Parameters<typeof realFind>) => {
    passes++;
    return realFind.apply(Product, args);
  }) as typeof realFind;
  const relay = startOutboxRelay({ js: nats.js, models: [Product], logger: memoryLogger(), intervalMs: 20, maxIntervalMs: 320 });
  try {
    await sleep(1_500);
    // 20, 40, 80, 160, then 320 ms apart: about 8 passes, where a fixed 20 ms period makes ~70.
    assert.ok(passes <= 12, `${passes} passes in 1.5 s while idle`);
    // Written by "another process" (no kick): found by the next poll, at most maxIntervalMs away.
    const doc = await Product.create({ name: 'lamp', outbox: [outboxEntry(f.subject, 'shop.evtest.v1.ProductCreated', payload(3))] });
    const written = Date.now();
    await waitFor('outbox drained', async () => (await Product.findById(doc._id).lean())!.outbox.length === 0);
    assert.ok(Date.now() - written < 1_000, `published after ${Date.now() - written} ms`);
  } finally {
    await relay.stop();
    Product.find = realFind;
  }
});

test('the relay publishes entries written by concurrent updates to the same document and leaves the outbox empty', { skip }, async () => {
  const f = await fixture();
  const Product = productModel();
  const doc = await Product.create({ name: 'kettle' });
  const relay = startOutboxRelay({ js: nats.js, models: [Product], logger: memoryLogger(), intervalMs: 10 });

  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const e = outboxEntry(f.subject, 'shop.evtest.v1.StockChanged', payload(i));
      ids.push(e.id);
      await Product.updateOne({ _id: doc._id }, { $inc: { stock: 1 }, $push: { outbox: e } });
      relay.kick();
    }),
  );
  await waitFor('outbox drained', async () => (await Product.findById(doc._id).lean())!.outbox.length === 0);
  await relay.stop();

  const final = await Product.findById(doc._id).lean();
  assert.equal(final!.stock, 60);
  assert.deepEqual(final!.outbox, []);
  assert.equal(await streamMessages(f.stream.name), 60);

  const got = new Set<string>();
  const consumer = await consume(f, (ev) => void got.add(ev.id));
  await waitFor('all events consumed', () => got.size === 60);
  await consumer.stop();
  assert.deepEqual([...got].sort(), [...ids].sort());
});

test('the consumer retries a failing handler with backoff, then succeeds', { skip }, async () => {
  const f = await fixture();
  await publishEvent(nats.js, { subject: f.subject, id: `ev-${suffix()}`, type: 'T', data: payload(1) });

  const attempts: { at: number; deliveryCount: number }[] = [];
  let succeeded = false;
  const durable = `retry_${suffix()}`;
  const consumer = await consume(
    f,
    (ev) => {
      attempts.push({ at: Date.now(), deliveryCount: ev.deliveryCount });
      if (attempts.length < 3) throw new Error(`transient failure ${attempts.length}`);
      succeeded = true;
    },
    { durable, backoffMs: [200, 400] },
  );
  await waitFor('handler success', () => succeeded);
  await consumer.stop();

  assert.deepEqual(attempts.map((a) => a.deliveryCount), [1, 2, 3]);
  assert.ok(attempts[1]!.at - attempts[0]!.at >= 180, 'first retry waits ~200ms');
  assert.ok(attempts[2]!.at - attempts[1]!.at >= 380, 'second retry waits ~400ms');
  const info = await nats.jsm.consumers.info(f.stream.name, durable);
  assert.equal(info.num_ack_pending, 0);
  assert.equal(info.num_pending, 0);
  assert.equal(await processedEventModel(db).countDocuments({ consumer: durable }), 1);
  assert.equal(await streamMessages(f.deadLetter.stream), 0, 'nothing dead-lettered');
});

test('a poison message lands in the dead-letter stream after maxDeliver attempts', { skip }, async () => {
  const f = await fixture();
  const id = `ev-${suffix()}`;
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  await publishEvent(nats.js, { subject: f.subject, id, type: 'shop.evtest.v1.Poison', data: payload(9), headers: { traceparent } });

  let attempts = 0;
  const durable = `poison_${suffix()}`;
  const logger = memoryLogger();
  const consumer = await consume(
    f,
    () => {
      attempts++;
      throw new Error('cannot decode\nthis event');
    },
    { durable, maxDeliver: 3, backoffMs: [50], ackWaitMs: 1_000, logger },
  );
  await waitFor('dead letter', async () => (await streamMessages(f.deadLetter.stream)) === 1);
  // Longer than ack_wait: a message the server still considered pending would come back.
  await sleep(1_500);
  await consumer.stop();

  assert.equal(attempts, 3);
  const info = await nats.jsm.consumers.info(f.stream.name, durable);
  assert.equal(info.num_ack_pending, 0, 'original is terminated, not left pending');
  assert.equal(info.num_pending, 0);

  const dead = await nats.jsm.streams.getMessage(f.deadLetter.stream, { seq: 1 });
  assert.ok(dead);
  assert.equal(dead.subject, `${f.deadLetter.subjectPrefix}.${f.subject}`);
  assert.deepEqual([...dead.data], [...payload(9)]);
  assert.equal(dead.header.get('Shop-Event-Id'), id);
  assert.equal(dead.header.get('Shop-Event-Type'), 'shop.evtest.v1.Poison');
  assert.equal(dead.header.get('traceparent'), traceparent);
  assert.equal(dead.header.get('Shop-DLQ-Reason'), 'cannot decode this event');
  assert.equal(dead.header.get('Shop-DLQ-Consumer'), durable);
  assert.equal(dead.header.get('Shop-DLQ-Deliveries'), '3');
  assert.equal(await processedEventModel(db).countDocuments({ consumer: durable }), 0);
  assert.ok(logger.lines.some((l) => l.level === 'error' && l.msg.includes('dead-letter')));
});

test('a redelivered event that was already processed is not handled twice', { skip }, async () => {
  const f = await fixture();
  const id = `ev-${suffix()}`;
  const durable = `redeliver_${suffix()}`;
  await publishEvent(nats.js, { subject: f.subject, id, type: 'T', data: payload(3) });

  // A previous instance handled and recorded the event, then died before its ack reached the server.
  await nats.jsm.consumers.add(f.stream.name, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(1_000),
    max_deliver: -1,
    filter_subject: `shop.${f.domain}.>`,
  });
  const first = await (await nats.js.consumers.get(f.stream.name, durable)).next({ expires: 5_000 });
  assert.ok(first);
  await processedEventModel(db).init();
  await processedEventModel(db).create({ consumer: durable, eventId: id, subject: f.subject });

  const seen: ConsumedEvent[] = [];
  const consumer = await consume(f, (ev) => void seen.push(ev), { durable, ackWaitMs: 1_000 });
  await waitFor('redelivery acked', async () => {
    const ci = await nats.jsm.consumers.info(f.stream.name, durable);
    return ci.num_ack_pending === 0 && ci.num_pending === 0 && ci.ack_floor.stream_seq === 1;
  });
  await sleep(300);
  await consumer.stop();
  assert.equal(seen.length, 0, 'handler skipped for an already processed event');
});

test('a burst is handled in batches: in order, each event once, every one recorded as processed', { skip }, async () => {
  const f = await fixture({ duplicateWindowMs: 200 });
  const durable = `burst_${suffix()}`;
  const ids = Array.from({ length: 300 }, (_, i) => `ev-${i}-${suffix()}`);
  // Published before the consumer starts, so it meets a backlog; one id twice, as a relay re-publishing outside the window would.
  for (const id of ids) await publishEvent(nats.js, { subject: f.subject, id, type: 'T', data: payload(1) });
  await sleep(400);
  await publishEvent(nats.js, { subject: f.subject, id: ids[5]!, type: 'T', data: payload(1) });

  const seen: string[] = [];
  const consumer = await consume(f, (ev) => void seen.push(ev.id), { durable, prefetch: 64 });
  await waitFor('all acked', async () => {
    const ci = await nats.jsm.consumers.info(f.stream.name, durable);
    return ci.ack_floor.stream_seq === ids.length + 1 && ci.num_ack_pending === 0;
  });
  await consumer.stop();
  assert.deepEqual(seen, ids, 'delivery order kept, the late copy skipped');
  const recorded = await processedEventModel(db).countDocuments({ consumer: durable });
  assert.equal(recorded, ids.length);

  // A second consumer instance replaying the stream (its acks lost) handles nothing again.
  await nats.jsm.consumers.delete(f.stream.name, durable);
  const again: string[] = [];
  const replay = await consume(f, (ev) => void again.push(ev.id), { durable, prefetch: 64 });
  await waitFor('replay acked', async () => {
    const ci = await nats.jsm.consumers.info(f.stream.name, durable);
    return ci.ack_floor.stream_seq === ids.length + 1 && ci.num_ack_pending === 0;
  });
  await replay.stop();
  assert.deepEqual(again, []);
});

test('a duplicate published after the de-duplication window is handled once', { skip }, async () => {
  const f = await fixture({ duplicateWindowMs: 200 });
  const id = `ev-${suffix()}`;
  await publishEvent(nats.js, { subject: f.subject, id, type: 'T', data: payload(4) });
  await sleep(400);
  const again = await publishEvent(nats.js, { subject: f.subject, id, type: 'T', data: payload(4) });
  assert.equal(again.duplicate, false, 'outside the window JetStream stores it again');

  const seen: string[] = [];
  const durable = `dup_${suffix()}`;
  const consumer = await consume(f, (ev) => void seen.push(ev.id), { durable });
  await waitFor('both copies acked', async () => {
    const ci = await nats.jsm.consumers.info(f.stream.name, durable);
    return ci.ack_floor.stream_seq === 2 && ci.num_ack_pending === 0;
  });
  await consumer.stop();
  assert.deepEqual(seen, [id]);
});

test('stopping a consumer waits for the in-flight handler and acks its event', { skip }, async () => {
  const f = await fixture();
  const durable = `stop_${suffix()}`;
  let started = false;
  let finished = false;
  const consumer = await consume(
    f,
    async () => {
      started = true;
      await sleep(300);
      finished = true;
    },
    { durable },
  );
  await publishEvent(nats.js, { subject: f.subject, id: `ev-${suffix()}`, type: 'T', data: payload(6) });
  await waitFor('handler started', () => started);
  await consumer.stop();
  assert.ok(finished, 'stop() resolved only after the handler finished');
  const ci = await nats.jsm.consumers.info(f.stream.name, durable);
  assert.equal(ci.num_ack_pending, 0);
  assert.equal(ci.ack_floor.stream_seq, 1);
});

test('the relay refuses a model without an outbox field', { skip }, () => {
  const Plain = db.model(`Plain_${suffix()}`, new Schema({ name: String }));
  assert.throws(
    () => startOutboxRelay({ js: nats.js, models: [Plain], logger: memoryLogger() }),
    /has no 'outbox' field/,
  );
});

test('ensureStreams is safe to run from many processes at once and reconciles config', { skip }, async () => {
  const spec = domainStream(`evtest${suffix()}`, { storage: 'memory' });
  streamsToDelete.push(spec.name);
  const results = await Promise.all(Array.from({ length: 5 }, () => ensureStreams(nats.jsm, [spec])));
  assert.ok(results.every((r) => r[0]!.config.name === spec.name));
  const [updated] = await ensureStreams(nats.jsm, [{ ...spec, duplicateWindowMs: 5 * 60_000 }]);
  assert.equal(updated!.config.duplicate_window, nanos(5 * 60_000));
  assert.deepEqual(updated!.config.subjects, spec.subjects);
});

test('the outbox carries the writer\'s trace context to the published event', { skip }, async () => {
  const f = await fixture();
  const Product = productModel();
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');

  // Without an OTel SDK, the API cannot carry context across calls; install a minimal manager.
  const restore = installAlsContextManager();
  let entry: OutboxEntry;
  try {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
    entry = context.with(ctx, () => outboxEntry(f.subject, 'T', payload(5)));
  } finally {
    restore();
  }
  await Product.create({ name: 'traced', outbox: [entry] });
  const relay = startOutboxRelay({ js: nats.js, models: [Product], logger: memoryLogger() });
  await relay.flush();
  await relay.stop();
  const msg = await nats.jsm.streams.getMessage(f.stream.name, { seq: 1 });
  assert.equal(msg?.header.get('traceparent'), `00-${traceId}-${spanId}-01`);
  assert.equal(msg?.header.get('Shop-Event-Type'), 'T');
  assert.equal(msg?.header.get('Nats-Msg-Id'), entry.id);
});

function installAlsContextManager(): () => void {
  const als = new AsyncLocalStorage<Context>();
  const mgr: ContextManager = {
    active: () => als.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => als.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable: () => mgr,
    disable: () => mgr,
  };
  context.setGlobalContextManager(mgr);
  return () => context.disable();
}

test('followEvents hands each subject\'s payloads to its handler; an unreadable event reports a gap, then live again', { skip }, async () => {
  const subject = `shop.follow${randomBytes(4).toString('hex')}.thing_changed`;
  const seen: string[] = [];
  const phases: string[] = [];
  const logger = memoryLogger();
  const follower = await followEvents(nats.nc, {
    logger,
    handlers: {
      [subject]: (data) => {
        const text = new TextDecoder().decode(data);
        if (text === 'garbage') throw new Error('cannot decode');
        seen.push(text);
      },
    },
    onGap: () => phases.push('gap'),
    onLive: () => phases.push('live'),
  });
  try {
    assert.deepEqual(phases, ['live'], 'live once the server has the subscription');
    nats.nc.publish(subject, new TextEncoder().encode('one'));
    nats.nc.publish(subject, new TextEncoder().encode('garbage'));
    nats.nc.publish(subject, new TextEncoder().encode('two'));
    await waitFor('both readable events and the recovery', () => seen.length === 2 && phases.length === 3);
    assert.deepEqual(seen, ['one', 'two']);
    assert.deepEqual(phases, ['live', 'gap', 'live']);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.msg === 'unreadable event'));
  } finally {
    follower.stop();
  }
  assert.equal(phases.at(-1), 'gap', 'stopping ends what the events kept current');
});
