import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { Schema, type Connection, type Model } from 'mongoose';
import { fieldAad } from '../../../platform/src/crypto/field-cipher.js';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import type { FieldCrypto } from '../app/deps.js';
import { publishedKeys, signingKeyAt, type KeySchedule } from '../app/signing-key-rotation.js';

export const SIGNING_ALG = 'ES256';

/** `supersedes` of the first key ever made; the unique index lets only one exist. */
export const FIRST_KEY = 'none';

/** One token signing key. Only its public half ever leaves identity. */
export interface SigningKeyDoc {
  _id: string; // the kid
  alg: string;
  publicJwk: Record<string, unknown>;
  /** The private JWK as JSON, encrypted with the field cipher (AAD: signingKeyAad(kid)); dropped once retired. */
  privateKeyEnc?: string;
  /** Plain private JWK of keys made before encryption at rest; encrypted on the next start. */
  privateJwk?: Record<string, unknown>;
  /**
   * The kid of the key this one replaced (FIRST_KEY for the first). Unique: of two
   * rotations racing from the same key (two admins, two processes' schedules), one
   * insert wins and the other adopts the winner.
   */
  supersedes?: string;
  /** When processes start signing with it: creation plus the publish delay, so every verifier has it first. */
  activeFrom: Date;
  /** When it leaves the JWKS: set when a newer key is made, after the last token it signed expired. */
  retireAt: Date | null;
  /** Who made it: a staff user id, or "schedule". */
  createdBy: string;
  createdAt: Date;
  /** The audit event of the rotation that made it, until the relay has published it. */
  outbox: OutboxEntry[];
}

const signingKeySchema = new Schema<SigningKeyDoc>(
  {
    _id: { type: String, required: true },
    alg: { type: String, required: true },
    publicJwk: { type: Object, required: true },
    privateKeyEnc: { type: String },
    privateJwk: { type: Object },
    supersedes: { type: String, unique: true, sparse: true },
    activeFrom: { type: Date },
    retireAt: { type: Date, default: null },
    createdBy: { type: String, default: 'system' },
    outbox: outboxSchema,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);

export function signingKeyModel(db: Connection): Model<SigningKeyDoc> {
  return db.model<SigningKeyDoc>('SigningKey', signingKeySchema, 'signing_keys');
}

/** The AAD of an encrypted private key: the ciphertext only decrypts as that key's. */
export const signingKeyAad = (kid: string) => fieldAad('signing_keys', kid, 'private_key');

/** The key tokens are signed with now, and its id for the JWT header. */
export interface ActiveKey {
  kid: string;
  key: CryptoKey;
}

/** Builds the events stored with a new key (its audit trail), once its id is known. */
export type KeyEvents = (key: { kid: string; activeFrom: Date }) => OutboxEntry[];

/** How rotation times a new key (see app/signing-key-rotation.ts). */
export interface RotationTiming {
  /** How long after creation a key starts signing: longer than any verifier caches the JWKS. */
  publishDelayMs: number;
  /** How long after a key stopped signing it stays published: the access-token TTL plus clock skew. */
  retireAfterMs: number;
}

/**
 * Identity's signing keys live in its database so every identity process signs with
 * the same key and every verifier sees it in the JWKS. Each process keeps the keys
 * in memory and re-reads them periodically (`refresh`); which one signs is decided
 * from the stored `activeFrom` times at each signature, so all processes switch at
 * the same instant without being told.
 */
export class SigningKeys {
  private schedule: KeySchedule[] = [];
  private readonly imported = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly model: Model<SigningKeyDoc>,
    private readonly crypto: FieldCrypto | null,
  ) {}

  /** Loads the keys, creating the first one on a fresh database (race-safe across processes). */
  async load(): Promise<void> {
    await this.model.createIndexes();
    if (!(await this.model.exists({}))) {
      try {
        await this.insertKey({ supersedes: FIRST_KEY, activeFrom: new Date(0), createdBy: 'system' });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // another process made the first key
      }
    }
    await this.encryptLegacyKeys();
    await this.refresh();
  }

  /** Re-reads the keys; new ones made by another process are known before they activate. */
  async refresh(now = new Date()): Promise<void> {
    const docs = await this.model.find({ $or: [{ retireAt: null }, { retireAt: { $gt: now } }] }, { activeFrom: 1, createdAt: 1, retireAt: 1 }).lean();
    this.schedule = docs.map((d) => ({ kid: d._id, createdAt: d.createdAt, activeFrom: d.activeFrom ?? d.createdAt, retireAt: d.retireAt }));
    const live = new Set(this.schedule.map((k) => k.kid));
    for (const kid of this.imported.keys()) if (!live.has(kid)) this.imported.delete(kid);
  }

  /** The key to sign with at `now`: the newest whose activation time has come. */
  async current(now = new Date()): Promise<ActiveKey> {
    const entry = signingKeyAt(this.schedule, now);
    if (!entry) throw new Error('no signing key is active');
    let key = this.imported.get(entry.kid);
    if (!key) {
      key = this.importPrivate(entry.kid);
      this.imported.set(entry.kid, key);
      key.catch(() => this.imported.delete(entry.kid));
    }
    return { kid: entry.kid, key: await key };
  }

  /** The newest key (active or pending) and when it was made; drives the scheduled rotation. */
  newest(): KeySchedule | null {
    return this.schedule.reduce<KeySchedule | null>((a, k) => (!a || k.createdAt > a.createdAt ? k : a), null);
  }

  /** The public keys verifiers must know now (current, pending and not yet retired), read fresh from the database. */
  async jwks(now = new Date()): Promise<JSONWebKeySet> {
    const docs = await this.model.find({ $or: [{ retireAt: null }, { retireAt: { $gt: now } }] }, { publicJwk: 1, activeFrom: 1, createdAt: 1, retireAt: 1 }).lean();
    const published = new Set(publishedKeys(docs.map((d) => ({ kid: d._id, createdAt: d.createdAt, activeFrom: d.activeFrom ?? d.createdAt, retireAt: d.retireAt })), now).map((k) => k.kid));
    return {
      keys: docs
        .filter((d) => published.has(d._id))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .map((d) => d.publicJwk as JWK),
    };
  }

  /**
   * Adds a key that starts signing after the publish delay, and schedules the keys it
   * replaces to leave the JWKS once their last tokens have expired. Two rotations
   * racing from the same key make one key: the loser returns the winner's. `events`
   * are stored with the new key (its audit trail), so only the winner records one.
   */
  async rotate(timing: RotationTiming, createdBy: string, now = new Date(), events?: KeyEvents): Promise<{ doc: SigningKeyDoc; created: boolean }> {
    const newest = await this.model.findOne({}).sort({ createdAt: -1, _id: -1 }).lean();
    const supersedes = newest?._id ?? FIRST_KEY;
    const activeFrom = new Date(now.getTime() + timing.publishDelayMs);
    let doc: SigningKeyDoc;
    let created = true;
    try {
      doc = await this.insertKey({ supersedes, activeFrom, createdBy, events });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      doc = (await this.model.findOne({ supersedes }).lean())!;
      created = false;
    }
    // Every older key stops signing by doc.activeFrom at the latest; a key that
    // already has a retirement time keeps it (it stopped signing earlier).
    await this.model.updateMany(
      { _id: { $ne: doc._id }, retireAt: null },
      { $set: { retireAt: new Date(doc.activeFrom.getTime() + timing.retireAfterMs) } },
    );
    await this.refresh(now);
    return { doc, created };
  }

  /** Drops the private half of retired keys: nothing may sign with them again. */
  async purgeRetired(now = new Date()): Promise<number> {
    const result = await this.model.updateMany(
      { retireAt: { $lte: now }, $or: [{ privateKeyEnc: { $exists: true } }, { privateJwk: { $exists: true } }] },
      { $unset: { privateKeyEnc: 1, privateJwk: 1 } },
    );
    return result.modifiedCount;
  }

  private async insertKey({ events, ...fields }: { supersedes: string; activeFrom: Date; createdBy: string; events?: KeyEvents }): Promise<SigningKeyDoc> {
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`;
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG };
    const created = await this.model.create({
      _id: kid,
      alg: SIGNING_ALG,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' },
      ...(this.crypto ? { privateKeyEnc: this.crypto.encrypt(JSON.stringify(privateJwk), signingKeyAad(kid)) } : { privateJwk }),
      ...fields,
      outbox: events?.({ kid, activeFrom: fields.activeFrom }) ?? [],
    });
    return created.toObject();
  }

  private async importPrivate(kid: string): Promise<CryptoKey> {
    const doc = await this.model.findById(kid, { privateKeyEnc: 1, privateJwk: 1 }).lean();
    if (!doc) throw new Error(`signing key ${kid} is gone`);
    let jwk: JWK;
    if (doc.privateKeyEnc) {
      if (!this.crypto) throw new Error(`signing key ${kid} is encrypted but no field cipher is configured`);
      jwk = JSON.parse(this.crypto.decrypt(doc.privateKeyEnc, signingKeyAad(kid))) as JWK;
    } else if (doc.privateJwk) {
      jwk = doc.privateJwk as JWK;
    } else {
      throw new Error(`signing key ${kid} has no private key (retired)`);
    }
    return (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
  }

  /** Keys stored in clear (before encryption at rest) are encrypted in place, once. */
  private async encryptLegacyKeys(): Promise<void> {
    if (!this.crypto) return;
    const legacy = await this.model.find({ privateJwk: { $exists: true }, privateKeyEnc: { $exists: false } }, { privateJwk: 1 }).lean();
    for (const doc of legacy) {
      const privateKeyEnc = this.crypto.encrypt(JSON.stringify(doc.privateJwk), signingKeyAad(doc._id));
      await this.model.updateOne({ _id: doc._id, privateKeyEnc: { $exists: false } }, { $set: { privateKeyEnc }, $unset: { privateJwk: 1 } });
    }
  }
}
