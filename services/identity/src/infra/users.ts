import { Schema, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';

/** Lifecycle of an account; only active accounts sign in. */
export type UserState = 'active' | 'disabled' | 'deleted';

/** TOTP second factor of an account (secrets are encrypted with the field cipher). */
export interface MfaState {
  /** The confirmed secret, encrypted; absent when MFA is off. */
  secretEnc?: string;
  /** A secret being enrolled, encrypted, until ConfirmMfa. */
  pendingSecretEnc?: string;
  enabledAt?: Date;
  /** SHA-256 hashes of unused recovery codes; a used code is $pull'ed atomically. */
  recoveryCodeHashes: string[];
  /** The last TOTP time step accepted, so a code cannot be replayed within its window. */
  lastUsedStep?: number;
}

/** One account. Personal fields that are not needed in clear are stored encrypted. */
export interface UserDoc {
  _id: string;
  email: string;
  passwordHash: string;
  displayName: string;
  /** Pricing group; absent for none. */
  customerGroup?: string;
  roles: string[];
  state: UserState;
  emailVerified: boolean;
  /** E.164 phone, encrypted with the field cipher (AAD: user id + "phone"). */
  phoneEnc?: string;
  locale: string;
  marketingConsent: boolean;
  defaultShippingAddressId?: string;
  defaultBillingAddressId?: string;
  mfa: MfaState;
  /** Consecutive failed sign-ins since the last success, and the lockout they caused. */
  failedLogins: number;
  lockedUntil: Date | null;
  /** How many lockouts so far: each one lasts longer (1, 2, 4 ... minutes, capped). */
  lockouts: number;
  /** Tokens issued before this instant are no longer honoured for this account. */
  sessionsValidAfter?: Date;
  /** Set by GDPR erasure until the address book, sessions and tokens are gone too (app/erasure.ts). */
  erasurePending?: boolean;
  /** Bumped by every profile change; the etag of conditional updates. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

const userSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true, unique: true },
    passwordHash: { type: String, required: true },
    displayName: { type: String, required: true },
    customerGroup: { type: String },
    roles: { type: [String], default: ['customer'] },
    state: { type: String, enum: ['active', 'disabled', 'deleted'], default: 'active' },
    emailVerified: { type: Boolean, default: false },
    phoneEnc: { type: String },
    locale: { type: String, default: '' },
    marketingConsent: { type: Boolean, default: false },
    defaultShippingAddressId: { type: String },
    defaultBillingAddressId: { type: String },
    mfa: {
      secretEnc: { type: String },
      pendingSecretEnc: { type: String },
      enabledAt: { type: Date },
      recoveryCodeHashes: { type: [String], default: [] },
      lastUsedStep: { type: Number },
    },
    failedLogins: { type: Number, default: 0 },
    lockedUntil: { type: Date, default: null },
    lockouts: { type: Number, default: 0 },
    sessionsValidAfter: { type: Date },
    erasurePending: { type: Boolean },
    revision: { type: Number, default: 1 },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false },
);

// Start-up finds erasures a crash interrupted without scanning every account.
userSchema.index({ erasurePending: 1 }, { sparse: true });

// Staff listing (app/staff.ts): newest first, keyset-paged on (createdAt, _id); by role.
userSchema.index({ createdAt: -1, _id: -1 });
userSchema.index({ roles: 1, createdAt: -1, _id: -1 });

export function userModel(db: Connection): Model<UserDoc> {
  return db.model<UserDoc>('User', userSchema, 'users');
}
