import { DomainError, invalidArgument } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** AIP-158 page size: 0 means the default, too large is capped, negative is an error. */
export function pageSize(requested: number, fallback = DEFAULT_PAGE_SIZE, max = MAX_PAGE_SIZE): number {
  if (!Number.isInteger(requested) || requested < 0) throw invalidArgument([{ field: 'page_size', description: 'must be zero or a positive integer' }]);
  return requested === 0 ? fallback : Math.min(requested, max);
}

/**
 * Page tokens are opaque to clients: base64url JSON of the keyset cursor plus a
 * fingerprint of the query, so a token cannot be replayed against other filters.
 */
export function encodePageToken(cursor: Record<string, string | number>, queryFingerprint: string): string {
  return Buffer.from(JSON.stringify({ c: cursor, q: queryFingerprint })).toString('base64url');
}

export function decodePageToken(token: string, queryFingerprint: string): Record<string, string | number> | null {
  if (token === '') return null;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { c?: unknown; q?: unknown };
    if (parsed.q !== queryFingerprint || typeof parsed.c !== 'object' || parsed.c === null) throw new Error('mismatch');
    return parsed.c as Record<string, string | number>;
  } catch {
    throw new DomainError('invalid_argument', 'INVALID_PAGE_TOKEN', 'page_token is invalid or belongs to a different query', {}, [
      { field: 'page_token', description: 'not a token from this list with these filters' },
    ]);
  }
}

/**
 * One page of a list sorted newest first by (createdAt, id) with keyset cursors: the
 * filter gets "older than the last item of the previous page", `find` fetches one more
 * than the page to know whether another page exists.
 */
export async function pageNewestFirst<T extends { _id: unknown; createdAt: Date }>(o: {
  filter: Record<string, unknown>;
  pageSize: number;
  pageToken: string;
  fingerprint: string;
  find: (filter: Record<string, unknown>, limit: number) => Promise<T[]>;
}): Promise<{ items: T[]; nextPageToken: string }> {
  const cursor = decodePageToken(o.pageToken, o.fingerprint);
  const filter = { ...o.filter };
  if (cursor) {
    const at = new Date(Number(cursor['t']));
    filter['$or'] = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: String(cursor['id']) } }];
  }
  const docs = await o.find(filter, o.pageSize + 1);
  const items = docs.slice(0, o.pageSize);
  const last = items[items.length - 1];
  return { items, nextPageToken: docs.length > o.pageSize && last ? encodePageToken({ t: last.createdAt.getTime(), id: String(last._id) }, o.fingerprint) : '' };
}
