import { createHash } from 'node:crypto';
import { ReservationCommitted, ReservationReleased } from '../../../../gen/shop/inventory/v1/events.js';
import { ReleaseReason, type Reservation, type StockLine } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { DomainError, Violations, invalidArgument } from '../../../platform/src/errors.js';
import { outboxEntry } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { planAllocation, reservable } from '../domain/allocation.js';
import { CLIENT_KEY, checkLines } from '../domain/lines.js';
import { levelId, type InventoryModels, type ReservationDoc, type ReservationStep, type StockLevelDoc } from '../infra/models.js';
import { toReservation } from './messages.js';
import type { Warehouses } from './warehouses.js';

export const RESERVATION_SUBJECTS = { released: 'shop.inventory.reservation_released', committed: 'shop.inventory.reservation_committed' } as const;

const DEFAULT_EXPIRY_SECONDS = 900;
const MAX_EXPIRY_SECONDS = 86_400;
const MAX_LINES = 100;
/** Re-reads of a line's levels after losing a race for them, before giving up. */
const REPLANS = 8;

/**
 * Test-only observation point: called after each write of a reservation, with the
 * step's number and what was just written. Production passes nothing; the crash test
 * passes a hook that SIGKILLs its own process there (test/fixtures/reserve-and-crash.ts).
 */
export type ReservationProbe = (point: 'intent' | 'held' | 'committed', step: number) => void;

export interface ReservationSettings {
  /** How long a worker owns a reservation in flight; a repair takes over only after it. */
  leaseMs: number;
}

/** What the planner reads of a level. */
type LevelView = { warehouseId: string; available: number; backorderLimit: number };

const notFound = (id: string) => new DomainError('not_found', 'RESERVATION_NOT_FOUND', `reservation ${id} not found`, { reservation_id: id });
const insufficient = (f: { sku: string; requested: number; reservable: number }) =>
  new DomainError('failed_precondition', 'INSUFFICIENT_STOCK', `only ${f.reservable} of ${f.sku} can be reserved, ${f.requested} requested`, {
    sku: f.sku,
    requested: String(f.requested),
    reservable: String(f.reservable),
  });
const inProgress = (id: string) => new DomainError('aborted', 'RESERVATION_IN_PROGRESS', `reservation ${id} is being worked on; retry shortly`, { reservation_id: id });

/** What makes two ReserveStock calls "the same request". */
function requestHash(lines: readonly StockLine[], expiresIn: number): string {
  const canonical = [...lines].sort((a, b) => a.sku.localeCompare(b.sku)).map((l) => `${l.sku}=${l.quantity}`).join(',');
  return createHash('sha256').update(`${canonical}|${expiresIn}`).digest('hex');
}

/**
 * Reservations without transactions. Each stock decrement is one conditional update
 * on one level (available >= what is taken, or down to the back-order limit read),
 * recorded as a hold in that level. Before it is tried, the step is written to the
 * reservation document (write-ahead), so whoever finds a reservation stuck in flight
 * (the worker died) knows every level it may have touched and undoes exactly the holds
 * that exist. Commit and release walk the holds the same way, each step idempotent,
 * and a crash midway is finished by the repair.
 */
export class Reservations {
  constructor(
    private readonly m: InventoryModels,
    private readonly warehouses: Warehouses,
    private readonly settings: ReservationSettings,
    private readonly onWrite: () => void = () => undefined,
    private readonly probe: ReservationProbe = () => undefined,
  ) {}

  async reserve(reservationId: string, lines: StockLine[], expiresInSeconds: number): Promise<Reservation> {
    const v = new Violations();
    if (!CLIENT_KEY.test(reservationId)) v.add('reservation_id', 'must be 1 to 128 letters, digits, ".", "_", ":" or "-"');
    checkLines(v, lines, MAX_LINES);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 0 || expiresInSeconds > MAX_EXPIRY_SECONDS) v.add('expires_in_seconds', `must be 0 (default ${DEFAULT_EXPIRY_SECONDS}) to ${MAX_EXPIRY_SECONDS}`);
    v.throwIfAny();
    const expiresIn = expiresInSeconds || DEFAULT_EXPIRY_SECONDS;
    const hash = requestHash(lines, expiresIn);
    // Plan before writing anything: the first plan is recorded with the reservation in
    // one insert (write-ahead for all its steps), and a request that cannot be met at all
    // costs a read instead of a document.
    const levels = await this.levelsOf(lines.map((l) => l.sku), await this.warehousePriority());
    const planned: ReservationStep[] = [];
    for (const line of lines) {
      const plan = planAllocation(levels.get(line.sku) ?? [], line.quantity);
      if (!plan) {
        if (await this.m.reservations.exists({ _id: reservationId })) return this.again(reservationId, hash, levels);
        throw insufficient({ sku: line.sku, requested: line.quantity, reservable: reservable(levels.get(line.sku) ?? []) });
      }
      for (const take of plan) planned.push({ n: planned.length, key: `${reservationId}#${planned.length}`, sku: line.sku, warehouseId: take.warehouseId, qty: take.qty });
    }
    const now = new Date();
    const doc: ReservationDoc = {
      _id: reservationId,
      requestHash: hash,
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      expiresInSeconds: expiresIn,
      state: 'pending',
      releaseReason: '',
      steps: planned,
      allocations: [],
      failure: null,
      expiresAt: null,
      leaseUntil: new Date(now.getTime() + this.settings.leaseMs),
      createdAt: now,
      updatedAt: now,
      outbox: [],
    };
    try {
      // The driver's insert: the document is complete, so there is nothing for mongoose to default, cast or hydrate.
      await this.m.reservations.collection.insertOne(doc as unknown as Record<string, unknown>);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return this.again(reservationId, hash, levels);
    }
    return this.run(doc, levels, planned);
  }

  /** A known id: the first result, or a fresh run when the first attempt holds nothing. */
  private async again(id: string, hash: string, levels: Map<string, LevelView[]>): Promise<Reservation> {
    const doc = await this.retried(id, hash);
    return doc ? this.run(doc, levels, []) : this.get(id);
  }

  /**
   * A second call with a known id: the first result, unless the first attempt held
   * nothing (failed, or interrupted and undone), in which case it runs again.
   */
  private async retried(id: string, hash: string): Promise<ReservationDoc | null> {
    let existing = await this.load(id);
    if (existing.requestHash !== hash) {
      throw new DomainError('already_exists', 'RESERVATION_ID_REUSED', `reservation ${id} exists with other lines`, { reservation_id: id }, [
        { field: 'reservation_id', description: 'was already used for a different request' },
      ]);
    }
    if (existing.state === 'pending') {
      if (existing.leaseUntil.getTime() > Date.now()) throw inProgress(id);
      await this.repairOne(existing);
      existing = await this.load(id);
    }
    if (existing.state !== 'failed' && existing.state !== 'aborted') return null;
    const leaseUntil = new Date(Date.now() + this.settings.leaseMs);
    const restarted = await this.m.reservations
      .findOneAndUpdate({ _id: id, state: existing.state, leaseUntil: existing.leaseUntil }, { $set: { state: 'pending', failure: null, leaseUntil, updatedAt: new Date() } }, { returnDocument: 'after', projection: { outbox: 0 } })
      .lean<ReservationDoc>();
    if (!restarted) throw inProgress(id);
    return restarted;
  }

  private async run(doc: ReservationDoc, levels: Map<string, LevelView[]>, prerecorded: readonly ReservationStep[]): Promise<Reservation> {
    const lease = doc.leaseUntil;
    const priority = await this.warehousePriority();
    let next = doc.steps.reduce((max, s) => Math.max(max, s.n + 1), 0);
    const held: ReservationStep[] = [];
    const stillOwned = { _id: doc._id, state: 'pending' as const, leaseUntil: lease };

    for (const line of doc.lines) {
      let remaining = line.quantity;
      for (let round = 0; remaining > 0; round++) {
        const candidates = levels.get(line.sku) ?? [];
        const recorded = round === 0 ? prerecorded.filter((p) => p.sku === line.sku) : [];
        const plan = recorded.length > 0 ? recorded.map((p) => ({ warehouseId: p.warehouseId, qty: p.qty })) : round < REPLANS ? planAllocation(candidates, remaining) : null;
        if (!plan) {
          const failure = { sku: line.sku, requested: line.quantity, reservable: line.quantity - remaining + reservable(candidates) };
          await this.undo(doc._id, held);
          await this.m.reservations.updateOne(stillOwned, { $set: { state: 'failed', failure, updatedAt: new Date() } });
          throw insufficient(failure);
        }
        let lostRace = false;
        for (const [i, take] of plan.entries()) {
          const level = candidates.find((c) => c.warehouseId === take.warehouseId)!;
          let step = recorded[i];
          if (!step) {
            step = { n: next, key: `${doc._id}#${next}`, sku: line.sku, warehouseId: take.warehouseId, qty: take.qty };
            next++;
            // Write-ahead: the step is on record before the level can change.
            const pushed = await this.m.reservations.updateOne(stillOwned, { $push: { steps: step }, $set: { updatedAt: new Date() } });
            if (pushed.modifiedCount !== 1) {
              await this.undo(doc._id, held);
              throw inProgress(doc._id);
            }
          }
          this.probe('intent', step.n);
          const after = await this.m.levels
            .findOneAndUpdate(
              { _id: levelId(line.sku, take.warehouseId), backorderLimit: level.backorderLimit, available: { $gte: take.qty - level.backorderLimit } },
              { $inc: { reserved: take.qty, available: -take.qty, version: 1 }, $push: { holds: { key: step.key, qty: take.qty } }, $set: { dirty: true, updatedAt: new Date() } },
              { returnDocument: 'after', projection: { available: 1, backorderLimit: 1, warehouseId: 1 } },
            )
            .lean<StockLevelDoc>();
          if (after) {
            this.probe('held', step.n);
            held.push(step);
            remaining -= take.qty;
            level.available = after.available;
          } else {
            lostRace = true;
            break;
          }
        }
        if (lostRace) {
          // Someone took stock since we read: re-read this SKU's levels and plan the rest again.
          const fresh = await this.levelsOf([line.sku], priority);
          levels.set(line.sku, fresh.get(line.sku) ?? []);
        }
      }
    }
    const expiresAt = new Date(Date.now() + doc.expiresInSeconds * 1000);
    const activated = await this.m.reservations.updateOne(stillOwned, { $set: { state: 'active', allocations: held, expiresAt, updatedAt: new Date() } });
    // No onWrite here: a reserve writes no event, and the maintenance loop's next tick
    // projects its availability change; kicking it on every reservation halves throughput.
    if (activated.modifiedCount !== 1) throw inProgress(doc._id);
    return toReservation({ ...doc, state: 'active', allocations: held, expiresAt });
  }

  /** Gives back the holds of `steps` that exist; safe to repeat (a missing hold is skipped). */
  private async undo(_reservationId: string, steps: readonly ReservationStep[]): Promise<void> {
    for (const s of [...steps].reverse()) {
      await this.m.levels.updateOne(
        { _id: levelId(s.sku, s.warehouseId), 'holds.key': s.key },
        { $inc: { reserved: -s.qty, available: s.qty, version: 1 }, $pull: { holds: { key: s.key } }, $set: { dirty: true, updatedAt: new Date() } },
      );
    }
  }

  /** Active warehouses in reservation order (cached for a second: a warehouse deactivated within it may still take a reservation). */
  private warehousePriority(): Promise<string[]> {
    return this.warehouses.activeIds();
  }

  private async levelsOf(skus: string[], priority: string[]): Promise<Map<string, LevelView[]>> {
    const docs = await this.m.levels.find({ sku: { $in: skus } }, { sku: 1, warehouseId: 1, available: 1, backorderLimit: 1 }).lean<StockLevelDoc[]>();
    const rank = new Map(priority.map((id, i) => [id, i]));
    const out = new Map<string, LevelView[]>();
    for (const d of docs.filter((d) => rank.has(d.warehouseId)).sort((a, b) => rank.get(a.warehouseId)! - rank.get(b.warehouseId)!)) {
      const list = out.get(d.sku) ?? [];
      list.push({ warehouseId: d.warehouseId, available: d.available, backorderLimit: d.backorderLimit });
      out.set(d.sku, list);
    }
    return out;
  }

  private async load(id: string): Promise<ReservationDoc> {
    const doc = CLIENT_KEY.test(id) ? await this.m.reservations.findById(id, { outbox: 0 }).lean<ReservationDoc>() : null;
    if (!doc) throw notFound(id);
    return doc;
  }

  async get(id: string): Promise<Reservation> {
    const doc = await this.load(id);
    if (doc.state === 'failed' && doc.failure) throw insufficient(doc.failure);
    return toReservation(doc);
  }

  /** Turns held stock into a sale: on_hand and reserved both drop, with a SALE ledger entry per warehouse. */
  async commit(id: string, actor: string): Promise<Reservation> {
    if (!CLIENT_KEY.test(id)) throw notFound(id);
    // The usual case in one command: an active, unexpired reservation is claimed and read together.
    const now = new Date();
    const claimed = await this.m.reservations
      .findOneAndUpdate({ _id: id, state: 'active', expiresAt: { $gt: now } }, { $set: { state: 'committing', leaseUntil: this.leaseEnd(), updatedAt: now } }, { returnDocument: 'after', projection: { outbox: 0 } })
      .lean<ReservationDoc>();
    if (claimed) return this.finishCommit(claimed, actor);
    const doc = await this.load(id);
    if (doc.state === 'committed') return toReservation(doc);
    if (doc.state === 'committing') return this.finishCommit(doc, actor);
    if (doc.state !== 'active') throw this.notActive(doc, 'committed');
    if (doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) {
      throw new DomainError('failed_precondition', 'RESERVATION_EXPIRED', `reservation ${id} expired at ${doc.expiresAt.toISOString()}`, { reservation_id: id });
    }
    // Active after all (it became so between the two commands, or never expires): claim it as read.
    const again = await this.m.reservations.updateOne({ _id: id, state: 'active' }, { $set: { state: 'committing', leaseUntil: this.leaseEnd(), updatedAt: new Date() } });
    if (again.modifiedCount !== 1) return this.commit(id, actor);
    return this.finishCommit(doc, actor);
  }

  /**
   * Commits the holds of a reservation in `committing`, then closes it. It wakes neither
   * background loop: a commit leaves available as it was (on_hand and reserved drop
   * together), so there is nothing to project; its sale entries wait in their levels
   * for the next maintenance pass (ledger reads copy them first) and its event for the
   * relay's next poll.
   */
  private async finishCommit(doc: ReservationDoc, actor: string): Promise<Reservation> {
    const id = doc._id;
    for (const [i, s] of doc.allocations.entries()) {
      // The hold is the proof the step is not yet committed: with it gone, nothing happens twice.
      await this.m.levels.updateOne(
        { _id: levelId(s.sku, s.warehouseId), 'holds.key': s.key },
        {
          $inc: { onHand: -s.qty, reserved: -s.qty, version: 1 },
          $pull: { holds: { key: s.key } },
          $push: { ledgerPending: { _id: `${s.key}:sale`, sku: s.sku, warehouseId: s.warehouseId, delta: -s.qty, type: 'sale', reason: '', note: '', actor, referenceId: id, createdAt: new Date() } },
          $set: { dirty: true, updatedAt: new Date() },
        },
      );
      this.probe('committed', i);
    }
    const now = new Date();
    const committed = { ...doc, state: 'committed' as const, updatedAt: now };
    const done = await this.m.reservations.updateOne(
      { _id: id, state: 'committing' },
      { $set: { state: 'committed', updatedAt: now }, $push: { outbox: outboxEntry(RESERVATION_SUBJECTS.committed, 'shop.inventory.v1.ReservationCommitted', ReservationCommitted.encode({ reservation: toReservation(committed), occurredAt: now }).finish()) } },
    );
    return toReservation(done.modifiedCount === 1 ? committed : await this.load(id));
  }

  /** Gives the held stock back; `reason` is requested (the caller) or expired (the sweeper). */
  async release(id: string, reason: 'requested' | 'expired'): Promise<Reservation> {
    const doc = await this.load(id);
    if (doc.state === 'released') return toReservation(doc);
    if (doc.state === 'active') {
      const filter: Record<string, unknown> = { _id: id, state: 'active' };
      if (reason === 'expired') filter['expiresAt'] = { $lte: new Date() };
      const claimed = await this.m.reservations.updateOne(filter, { $set: { state: 'releasing', releaseReason: reason, leaseUntil: this.leaseEnd(), updatedAt: new Date() } });
      if (claimed.modifiedCount !== 1) {
        if (reason === 'expired') return toReservation(await this.load(id));
        return this.release(id, reason);
      }
    } else if (doc.state !== 'releasing') {
      throw this.notActive(doc, 'released');
    }
    // The claim changed only state, reason and lease: the holds to give back are the ones just read.
    return this.finishRelease({ ...doc, releaseReason: doc.state === 'active' ? reason : doc.releaseReason });
  }

  private async finishRelease(doc: ReservationDoc): Promise<Reservation> {
    const id = doc._id;
    await this.undo(id, doc.allocations);
    const now = new Date();
    const released = toReservation({ ...doc, state: 'released' });
    const reason = doc.releaseReason === 'expired' ? ReleaseReason.RELEASE_REASON_EXPIRED : ReleaseReason.RELEASE_REASON_REQUESTED;
    const done = await this.m.reservations
      .findOneAndUpdate(
        { _id: id, state: 'releasing' },
        { $set: { state: 'released', updatedAt: now }, $push: { outbox: outboxEntry(RESERVATION_SUBJECTS.released, 'shop.inventory.v1.ReservationReleased', ReservationReleased.encode({ reservation: released, reason, occurredAt: now }).finish()) } },
        { returnDocument: 'after', projection: { outbox: 0 } },
      )
      .lean<ReservationDoc>();
    this.onWrite();
    return toReservation(done ?? (await this.load(id)));
  }

  async extend(id: string, expiresInSeconds: number): Promise<Reservation> {
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRY_SECONDS) {
      throw invalidArgument([{ field: 'expires_in_seconds', description: `must be 1 to ${MAX_EXPIRY_SECONDS}` }]);
    }
    const now = new Date();
    const updated = await this.m.reservations
      .findOneAndUpdate({ _id: id, state: 'active', expiresAt: { $gt: now } }, { $set: { expiresAt: new Date(now.getTime() + expiresInSeconds * 1000), updatedAt: now } }, { returnDocument: 'after', projection: { outbox: 0 } })
      .lean<ReservationDoc>();
    if (updated) return toReservation(updated);
    const doc = await this.load(id);
    if (doc.state === 'active') throw new DomainError('failed_precondition', 'RESERVATION_EXPIRED', `reservation ${id} has expired`, { reservation_id: id });
    throw this.notActive(doc, 'extended');
  }

  private notActive(doc: ReservationDoc, verb: string): DomainError {
    const state = doc.state === 'committing' ? 'committed' : doc.state === 'releasing' ? 'released' : doc.state;
    return new DomainError('failed_precondition', 'RESERVATION_NOT_ACTIVE', `reservation ${doc._id} is ${state} and cannot be ${verb}`, { reservation_id: doc._id, state });
  }

  private leaseEnd(): Date {
    return new Date(Date.now() + this.settings.leaseMs);
  }

  /** Releases reservations whose time ran out, each with its own reservation_released event. */
  async sweepExpired(limit = 100): Promise<number> {
    const expired = await this.m.reservations.find({ state: 'active', expiresAt: { $lte: new Date() } }, { _id: 1 }).limit(limit).lean();
    for (const r of expired) await this.release(String(r._id), 'expired');
    return expired.length;
  }

  /**
   * Finishes or undoes every reservation whose worker stopped (lease over): in-flight
   * reserves are undone (their holds given back, the reservation `aborted`, so a
   * retry runs again), commits and releases are completed. Runs at start and on
   * every sweep; `now` lets a test look past the lease.
   */
  async repairStale(now = new Date()): Promise<number> {
    const stuck = await this.m.reservations.find({ state: { $in: ['pending', 'committing', 'releasing'] }, leaseUntil: { $lt: now } }, { outbox: 0 }).limit(100).lean<ReservationDoc[]>();
    for (const doc of stuck) await this.repairOne(doc, now);
    return stuck.length;
  }

  private async repairOne(doc: ReservationDoc, now = new Date()): Promise<void> {
    // Take the lease over, so two repairers never work on one reservation.
    const leaseUntil = new Date(now.getTime() + this.settings.leaseMs);
    const claimed = await this.m.reservations.updateOne({ _id: doc._id, state: doc.state, leaseUntil: doc.leaseUntil }, { $set: { leaseUntil } });
    if (claimed.modifiedCount !== 1) return;
    if (doc.state === 'committing') await this.finishCommit(doc, 'system');
    else if (doc.state === 'releasing') await this.finishRelease(doc);
    else {
      await this.undo(doc._id, doc.steps);
      await this.m.reservations.updateOne({ _id: doc._id, state: 'pending', leaseUntil }, { $set: { state: 'aborted', updatedAt: new Date() } });
    }
  }
}
