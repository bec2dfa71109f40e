import { Schema, type Connection, type Model } from 'mongoose';
import { refreshTokenModel, type RefreshTokenDoc } from './refresh-tokens.js';
import { userModel, type UserDoc } from './users.js';

export type { RefreshTokenDoc } from './refresh-tokens.js';
export type { UserDoc } from './users.js';

export interface SigningKeyDoc {
  _id: string; // the kid
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
  retiredAt: Date | null;
}

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

/** Every collection identity owns, one model each (one file per aggregate). */
export interface IdentityModels {
  users: Model<UserDoc>;
  refreshTokens: Model<RefreshTokenDoc>;
  signingKeys: Model<SigningKeyDoc>;
}

export function identityModels(db: Connection): IdentityModels {
  return {
    users: userModel(db),
    refreshTokens: refreshTokenModel(db),
    signingKeys: db.model<SigningKeyDoc>('SigningKey', signingKeySchema, 'signing_keys'),
  };
}
