import type { IdentityModels } from '../infra/models.js';

/**
 * Ends sessions of an account by revoking their refresh token families: refresh
 * fails at once, and access tokens already issued run out within their short
 * lifetime. Used by logout-everywhere, password change and reset, disabling and
 * erasing an account. Returns how many tokens were revoked.
 */
export async function revokeSessions(models: IdentityModels, userId: string, options: { exceptFamilyId?: string } = {}): Promise<number> {
  const filter: Record<string, unknown> = { userId, revokedAt: null };
  if (options.exceptFamilyId) filter['familyId'] = { $ne: options.exceptFamilyId };
  const result = await models.refreshTokens.updateMany(filter, { $set: { revokedAt: new Date() } });
  return result.modifiedCount;
}

/**
 * Ends one session (a refresh token family): logout (RFC 7009 revocation of a refresh
 * token), refresh-token reuse, a refresh for an account that may no longer sign in.
 * Returns how many tokens this call revoked, 0 when someone else already had.
 */
export async function revokeFamily(models: IdentityModels, familyId: string, now = new Date()): Promise<number> {
  const result = await models.refreshTokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: now } });
  return result.modifiedCount;
}
