import { DomainError, Violations } from './errors.js';

/** The etag of a revision, as every resource shows it: `"7"`. */
export const etagOf = (revision: number) => `"${revision}"`;

/** The revision an etag names (strong or weak form); a malformed etag is 400. */
export function revisionOf(etag: string): number {
  const match = /^(W\/)?"?(\d+)"?$/.exec(etag.trim());
  if (!match) throw new DomainError('invalid_argument', 'INVALID_ETAG', 'etag is malformed', {}, [{ field: 'etag', description: 'must be an etag returned by this API' }]);
  return Number(match[2]);
}

/** The revision a client's etag names, or null when it sent none (an unconditional write). */
export const expectedRevision = (etag: string): number | null => (etag.trim() === '' ? null : revisionOf(etag));

/**
 * `update_mask` paths (snake_case or lowerCamel) checked against the fields a client
 * may change; with no mask, every allowed field the client set (AIP-134).
 */
export function maskedFields<F extends string>(paths: readonly string[] | undefined, allowed: readonly F[], isSet: (field: F) => boolean): F[] {
  if (!paths || paths.length === 0) return allowed.filter(isSet);
  const v = new Violations();
  const out = new Set<F>();
  for (const raw of paths) {
    const path = raw.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if ((allowed as readonly string[]).includes(path)) out.add(path as F);
    else v.add('update_mask', `unknown or read-only field "${raw}"; allowed: ${allowed.join(', ')}`);
  }
  v.throwIfAny();
  return [...out];
}
