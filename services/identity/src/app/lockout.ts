import type { Model } from 'mongoose';
import type { OutboxEntry } from '../../../platform/src/events/index.js';
import type { UserDoc } from '../infra/users.js';

/**
 * Locks an account after repeated failed sign-ins, for longer each time: `threshold`
 * consecutive failures lock it for `baseSeconds`, the next lockout lasts twice as
 * long, and so on up to `maxSeconds`. A successful sign-in clears the count and the
 * escalation. While locked, sign-in answers exactly like a wrong password, so the
 * lock reveals nothing an attacker could not already see.
 *
 * Every write is one conditional update on the user document, so concurrent failures
 * (a credential-stuffing burst) count exactly and lock exactly once.
 */
export interface LockoutPolicy {
  threshold: number;
  baseSeconds: number;
  maxSeconds: number;
}

/** How long the lockout after `previousLockouts` earlier ones lasts: base * 2^n, capped. */
export function lockoutSeconds(policy: LockoutPolicy, previousLockouts: number): number {
  // 2^n overflows to Infinity for large n; Math.min still caps it.
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, previousLockouts));
}

/** Whether the account is locked at `now`. */
export function isLocked(user: Pick<UserDoc, 'lockedUntil'>, now: Date): boolean {
  return user.lockedUntil instanceof Date && user.lockedUntil > now;
}

/** The outcome of recording a failure: `lockedUntil` is set when this failure locked the account. */
export interface FailureOutcome {
  failedLogins: number;
  lockedUntil: Date | null;
}

/**
 * Counts one failed sign-in and locks the account when the count reaches the
 * threshold. Failures while the account is locked are not counted: the lock already
 * answers them, and counting them would make a lock extend itself. `onLock` builds
 * the event stored with the lock in the same write (the audit trail of the burst).
 */
export async function recordFailedLogin(
  users: Model<UserDoc>,
  userId: string,
  policy: LockoutPolicy,
  now = new Date(),
  onLock?: (lockedUntil: Date, previousLockouts: number) => OutboxEntry,
): Promise<FailureOutcome> {
  const notLocked = { $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] };
  const counted = await users
    .findOneAndUpdate({ _id: userId, ...notLocked }, { $inc: { failedLogins: 1 } }, { returnDocument: 'after', projection: { failedLogins: 1, lockouts: 1 }, timestamps: false })
    .lean();
  if (!counted || (counted.failedLogins ?? 0) < policy.threshold) return { failedLogins: counted?.failedLogins ?? 0, lockedUntil: null };
  // Of several failures that all reached the threshold, only the one whose update still
  // sees the same `lockouts` value locks; the others find it changed and stop.
  const lockouts = counted.lockouts ?? 0;
  const lockedUntil = new Date(now.getTime() + lockoutSeconds(policy, lockouts) * 1000);
  const locked = await users.updateOne(
    { _id: userId, lockouts: counted.lockouts === undefined ? { $in: [null, 0] } : lockouts, failedLogins: { $gte: policy.threshold }, ...notLocked },
    { $set: { lockedUntil, failedLogins: 0 }, $inc: { lockouts: 1 }, ...(onLock ? { $push: { outbox: onLock(lockedUntil, lockouts) } } : {}) },
    { timestamps: false },
  );
  return { failedLogins: counted.failedLogins, lockedUntil: locked.modifiedCount === 1 ? lockedUntil : null };
}

/** Clears the failure count and the escalation after a successful sign-in (no write when already clear). */
export async function clearFailedLogins(users: Model<UserDoc>, user: Pick<UserDoc, '_id' | 'failedLogins' | 'lockouts'>): Promise<void> {
  if (!user.failedLogins && !user.lockouts) return;
  await users.updateOne({ _id: user._id }, { $set: { failedLogins: 0, lockouts: 0, lockedUntil: null } }, { timestamps: false });
}
