import { DomainError, Violations } from './errors.js';

/** The etag clients see for a document revision (a quoted number, as HTTP writes them). */
export const etagOf = (revision: number) => `"${revision}"`;

/** The revision an etag names; a malformed etag is a 400 on `etag`. */
export function revisionOf(etag: string, field = 'etag'): number {
  const match = /^(W\/)?"?(\d+)"?$/.exec(etag.trim());
  if (!match) throw new DomainError('invalid_argument', 'INVALID_ETAG', `${field} is malformed`, {}, [{ field, description: 'must be an etag returned by this API' }]);
  return Number(match[2]);
}

/** The revision a client expects, or null when it sent no etag (the server then retries its own read-check-write). */
export const expectedRevision = (etag: string, field = 'etag'): number | null => (etag.trim() === '' ? null : revisionOf(etag, field));

/**
 * AIP-134 update masks: the fields to change, in snake case. Without a mask, the
 * allowed fields the request sets; a path outside `allowed` is a 400 on update_mask.
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
