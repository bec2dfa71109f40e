import { Schema, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';

export interface UserDoc {
  _id: string;
  email: string;
  passwordHash: string;
  displayName: string;
  roles: string[];
  emailVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

export interface RefreshTokenDoc {
  _id: string; // sha256 of the opaque token; the token itself is never stored
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface SigningKeyDoc {
  _id: string; // the kid
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
  retiredAt: Date | null;
}

const userSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true, unique: true },
    passwordHash: { type: String, required: true },
    displayName: { type: String, required: true },
    roles: { type: [String], default: ['customer'] },
    emailVerified: { type: Boolean, default: false },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false },
);

const refreshTokenSchema = new Schema<RefreshTokenDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true, index: true },
    familyId: { type: String, required: true, index: true },
    expiresAt: { type: Date, required: true },
    rotatedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

const signingKeySchema = new Schema<SigningKeyDoc>(
  {
    _id: { type: String, required: true },
    alg: { type: String, required: true },
    privateJwk: { type: Object, required: true },
    publicJwk: { type: Object, required: true },
    retiredAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);

export interface IdentityModels {
  users: Model<UserDoc>;
  refreshTokens: Model<RefreshTokenDoc>;
  signingKeys: Model<SigningKeyDoc>;
}

export function identityModels(db: Connection): IdentityModels {
  return {
    users: db.model<UserDoc>('User', userSchema, 'users'),
    refreshTokens: db.model<RefreshTokenDoc>('RefreshToken', refreshTokenSchema, 'refresh_tokens'),
    signingKeys: db.model<SigningKeyDoc>('SigningKey', signingKeySchema, 'signing_keys'),
  };
}
