import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One refresh token of a session ("family"); the token itself is never stored. Each
 * rotation stores a new document of the same family carrying the session's facts
 * (when and how the person signed in) forward.
 */
export interface RefreshTokenDoc {
  _id: string; // sha256 of the opaque token
  userId: string;
  familyId: string;
  /** When the session began (the password grant); compared with user.sessionsValidAfter. */
  authTime?: Date;
  /** How the person signed in (RFC 8176 values): ["pwd"], or ["pwd","otp","mfa"]. */
  amr?: string[];
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
    authTime: { type: Date },
    amr: { type: [String], default: undefined },
    expiresAt: { type: Date, required: true },
    rotatedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

export function refreshTokenModel(db: Connection): Model<RefreshTokenDoc> {
  return db.model<RefreshTokenDoc>('RefreshToken', refreshTokenSchema, 'refresh_tokens');
}
