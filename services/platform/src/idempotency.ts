import { createHash, randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { DomainError } from './errors.js';
import { isDuplicateKey, leanBytes } from './mongo.js';

/**
 * Idempotency keys for retry-able mutations (payments, refunds, checkout), with
 * Stripe's semantics: the same key and the same request return the first result; the
 * same key with other parameters is an error naming the key; keys live at least 24 h.
 *
 * A call first claims its key with one insert (the unique _id decides a race), so two
 * concurrent calls with one key never both execute: the loser waits for the winner's
 * stored result. A claim whose holder died (its lease ran out) may be taken over;
 * the work must therefore be safe to resume, which is why callers also hand the key
 * on to the payment provider.
 */
export interface IdempotencyOptions {
  /** How long a finished key is remembered; at least 24 h (default 24 h). */
  retentionMs?: number;
  /** How long a claim is held before another call may take it over (default 60 s). */
  leaseMs?: number;
  /** How long a concurrent caller waits for the winner before answering 409 (default 20 s). */
  waitMs?: number;
}

/** How a result is stored; the default is JSON. */
export interface ResultCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

interface KeyDoc {
  _id: string;
  requestHash: string;
  state: 'pending' | 'done';
  claim: string;
  leaseUntil: Date;
  result?: Buffer;
  expiresAt: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;

const jsonCodec: ResultCodec<unknown> = {
  encode: (v) => Buffer.from(JSON.stringify(v)),
  decode: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as unknown,
};

/** The model on a service's database (collection idempotency_keys, expired by a TTL index). */
function keyModel(db: Connection): Model<KeyDoc> {
  const existing = db.models['IdempotencyKey'] as Model<KeyDoc> | undefined;
  if (existing) return existing;
  const schema = new Schema<KeyDoc>(
    {
      _id: { type: String, required: true },
      requestHash: { type: String, required: true },
      state: { type: String, required: true },
      claim: { type: String, required: true },
      leaseUntil: { type: Date, required: true },
      result: { type: Buffer },
      expiresAt: { type: Date, required: true },
    },
    { versionKey: false, collection: 'idempotency_keys' },
  );
  schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  return db.model<KeyDoc>('IdempotencyKey', schema);
}

/** Stable hash of a request: the same fields in any order hash the same. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(stableJson(request)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** 400 naming the field when a key is missing or malformed. */
export function checkIdempotencyKey(key: string, field = 'idempotency_key'): void {
  if (!KEY.test(key)) {
    throw new DomainError('invalid_argument', 'INVALID_ARGUMENT', `${field}: must be 1 to 255 printable ASCII characters`, {}, [
      { field, description: 'must be 1 to 255 printable ASCII characters without spaces' },
    ]);
  }
}

/** Runs mutations at most once per (operation, key); see the module comment. */
export class IdempotencyStore {
  private readonly model: Model<KeyDoc>;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(db: Connection, options: IdempotencyOptions = {}) {
    this.model = keyModel(db);
    this.retentionMs = Math.max(options.retentionMs ?? DAY_MS, DAY_MS);
    this.leaseMs = options.leaseMs ?? 60_000;
    this.waitMs = options.waitMs ?? 20_000;
  }

  /**
   * Runs `work` once for this operation and key; later calls with the same request get
   * the stored result. Errors are not stored: the claim is released so a retry runs
   * again (the work must be resumable, e.g. by passing the key on to the provider).
   */
  async run<T>(operation: string, key: string, request: unknown, work: () => Promise<T>, codec: ResultCodec<T> = jsonCodec as ResultCodec<T>): Promise<T> {
    checkIdempotencyKey(key);
    const id = `${operation}:${key}`;
    const hash = requestHash(request);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const claim = await this.claim(id, hash, key);
      if (claim.kind === 'done') return codec.decode(claim.result);
      if (claim.kind === 'claimed') return this.execute(id, claim.token, work, codec);
      if (Date.now() > deadline) {
        throw new DomainError('aborted', 'IDEMPOTENT_REQUEST_IN_PROGRESS', `a request with idempotency key "${key}" is still in progress; retry later`, { idempotency_key: key });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async claim(id: string, hash: string, key: string): Promise<{ kind: 'claimed'; token: string } | { kind: 'done'; result: Uint8Array } | { kind: 'busy' }> {
    const token = randomUUID();
    const now = new Date();
    try {
      await this.model.create({ _id: id, requestHash: hash, state: 'pending', claim: token, leaseUntil: new Date(now.getTime() + this.leaseMs), expiresAt: new Date(now.getTime() + this.retentionMs) });
      return { kind: 'claimed', token };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const existing = await this.model.findById(id).lean<KeyDoc>();
    if (!existing) return { kind: 'busy' }; // released in between: try again
    if (existing.requestHash !== hash) {
      throw new DomainError('failed_precondition', 'IDEMPOTENCY_KEY_REUSED', `idempotency key "${key}" was already used with different parameters`, { idempotency_key: key });
    }
    if (existing.state === 'done' && existing.result) return { kind: 'done', result: leanBytes(existing.result) };
    if (existing.leaseUntil.getTime() < now.getTime()) {
      // The holder died mid-way: take the claim over, atomically, so only one successor runs.
      const taken = await this.model.updateOne(
        { _id: id, state: 'pending', claim: existing.claim },
        { $set: { claim: token, leaseUntil: new Date(now.getTime() + this.leaseMs) } },
      );
      if (taken.modifiedCount === 1) return { kind: 'claimed', token };
    }
    return { kind: 'busy' };
  }

  private async execute<T>(id: string, token: string, work: () => Promise<T>, codec: ResultCodec<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (err) {
      await this.model.deleteOne({ _id: id, claim: token, state: 'pending' }).catch(() => undefined);
      throw err;
    }
    await this.model.updateOne({ _id: id, claim: token }, { $set: { state: 'done', result: Buffer.from(codec.encode(result)) } });
    return result;
  }
}
