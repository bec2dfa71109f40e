import { createHash, randomInt } from 'node:crypto';

/**
 * Single-use MFA recovery codes: shown once, stored only as hashes. Eight characters
 * from an alphabet without look-alikes (no 0/o, 1/l/i), typed as `xxxx-xxxx`: about
 * 39 bits each, enough because a code is only tried after the password was right and
 * second-factor attempts are rate limited.
 */

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const LENGTH = 8;

/** Fresh recovery codes, all different. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    let raw = '';
    for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
    codes.add(`${raw.slice(0, 4)}-${raw.slice(4)}`);
  }
  return [...codes];
}

/**
 * The canonical form of a typed code (case, spaces and hyphens ignored), or null if it
 * cannot be a recovery code at all, so garbage is refused without a database write.
 */
export function normalizeRecoveryCode(typed: string): string | null {
  const raw = typed.toLowerCase().replace(/[\s-]/g, '');
  if (raw.length !== LENGTH || [...raw].some((c) => !ALPHABET.includes(c))) return null;
  return raw;
}

/**
 * The stored form of a code: SHA-256 over the user id and the canonical code. A fast
 * hash is enough for random codes; the user id makes one table of precomputed hashes
 * useless across accounts.
 */
export function hashRecoveryCode(userId: string, canonical: string): string {
  return createHash('sha256').update(`${userId}:${canonical}`).digest('base64url');
}
