import { Schema, type Connection, type Model } from 'mongoose';

/** One refresh token of a session ("family"); the token itself is never stored. */
export interface RefreshTokenDoc {
  _id: string; // sha256 of the opaque token
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

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

export function refreshTokenModel(db: Connection): Model<RefreshTokenDoc> {
  return db.model<RefreshTokenDoc>('RefreshToken', refreshTokenSchema, 'refresh_tokens');
}
