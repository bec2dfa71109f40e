import { createHash, randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/** What a one-time token proves when it comes back. */
export type OneTimeTokenPurpose = 'email_verification' | 'password_reset';

/**
 * A single-use token mailed to a person (email verification, password reset). Only
 * its SHA-256 is stored: a copy of this collection opens no account. 32 random bytes
 * make guessing hopeless, so a fast hash is enough (no salt, no KDF).
 */
export interface OneTimeTokenDoc {
  _id: string; // sha256(token), base64url
  userId: string;
  purpose: OneTimeTokenPurpose;
  /** The address it was sent to; a token proves control of this address only. */
  email: string;
  expiresAt: Date;
  usedAt: Date | null;
  /** Set when a newer token of the same purpose replaced it, or the account was erased. */
  invalidatedAt: Date | null;
  createdAt: Date;
}

const oneTimeTokenSchema = new Schema<OneTimeTokenDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    purpose: { type: String, enum: ['email_verification', 'password_reset'], required: true },
    email: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    invalidatedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
oneTimeTokenSchema.index({ userId: 1, purpose: 1 });

export function oneTimeTokenModel(db: Connection): Model<OneTimeTokenDoc> {
  return db.model<OneTimeTokenDoc>('OneTimeToken', oneTimeTokenSchema, 'one_time_tokens');
}

/** The shape of every token `issue` makes (32 bytes, base64url); anything else is refused without a lookup. */
export const isOneTimeTokenShaped = (token: string) => /^[A-Za-z0-9_-]{43}$/.test(token);

export const hashOneTimeToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

/** Why a presented token was refused; each becomes its own error reason. */
export type TokenRefusal = 'invalid' | 'expired' | 'used' | 'superseded' | 'other_user';

/** Issues, claims and invalidates one-time tokens of one purpose. */
export class OneTimeTokens {
  constructor(
    private readonly tokens: Model<OneTimeTokenDoc>,
    readonly purpose: OneTimeTokenPurpose,
  ) {}

  /**
   * Stores a new token (its hash) and returns the raw value, which from here on only
   * travels in the event to the person. Older unused tokens of the purpose stop
   * working first; two concurrent issues may both survive, which is harmless (both
   * were asked for just now) and better than each killing the other.
   */
  async issue(userId: string, email: string, ttlSeconds: number, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    await this.invalidateAll(userId, now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    await this.tokens.create({ _id: hashOneTimeToken(token), userId, purpose: this.purpose, email, expiresAt, usedAt: null, invalidatedAt: null });
    return { token, expiresAt };
  }

  /**
   * Marks the token used in one conditional update, so of two concurrent uses exactly
   * one gets the document back. `forUserId` limits the claim to one account (a
   * signed-in caller may only use their own token); a refused claim is explained.
   */
  async claim(token: string, options: { forUserId?: string } = {}, now = new Date()): Promise<{ ok: true; doc: OneTimeTokenDoc } | { ok: false; refusal: TokenRefusal }> {
    const _id = hashOneTimeToken(token);
    const filter: Record<string, unknown> = { _id, purpose: this.purpose, usedAt: null, invalidatedAt: null, expiresAt: { $gt: now } };
    if (options.forUserId) filter['userId'] = options.forUserId;
    const doc = await this.tokens.findOneAndUpdate(filter, { $set: { usedAt: now } }, { returnDocument: 'after' }).lean<OneTimeTokenDoc>();
    if (doc) return { ok: true, doc };
    const known = await this.tokens.findById(_id).lean<OneTimeTokenDoc>();
    if (!known || known.purpose !== this.purpose) return { ok: false, refusal: 'invalid' };
    if (options.forUserId && known.userId !== options.forUserId) return { ok: false, refusal: 'other_user' };
    if (known.usedAt) return { ok: false, refusal: 'used' };
    if (known.invalidatedAt) return { ok: false, refusal: 'superseded' };
    return { ok: false, refusal: 'expired' };
  }

  /** Every unused token of this purpose for the account stops working. */
  async invalidateAll(userId: string, now = new Date()): Promise<void> {
    await this.tokens.updateMany({ userId, purpose: this.purpose, usedAt: null, invalidatedAt: null }, { $set: { invalidatedAt: now } });
  }
}
