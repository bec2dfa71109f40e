import { DomainError } from './errors.js';

/** The errors every resource with an id and an etag raises, worded the same everywhere. */
export interface ResourceErrors {
  /** 404: no such resource (or the caller may not know it exists). */
  notFound(id: string): DomainError;
  /** 409: the client's etag is not the current one; nothing changed. */
  stale(id: string): DomainError;
  /** 409: optimistic retries ran out because others keep changing it. */
  busy(id: string): DomainError;
}

/**
 * Builds the standard errors for a resource named in plain words ("product type"):
 * reasons PRODUCT_TYPE_NOT_FOUND, ETAG_MISMATCH and CONCURRENT_UPDATES, with the id
 * in ErrorInfo metadata under product_type_id, so clients can switch on them.
 */
export function resourceErrors(resource: string): ResourceErrors {
  const snake = resource.trim().toLowerCase().replace(/\s+/g, '_');
  const key = `${snake}_id`;
  return {
    notFound: (id) => new DomainError('not_found', `${snake.toUpperCase()}_NOT_FOUND`, `${resource} ${id} not found`, { [key]: id }),
    stale: (id) => new DomainError('aborted', 'ETAG_MISMATCH', `${resource} ${id} was changed by someone else; re-read it and retry`, { [key]: id }),
    busy: (id) => new DomainError('aborted', 'CONCURRENT_UPDATES', `${resource} ${id} is being changed concurrently; retry`, { [key]: id }),
  };
}

/** What one attempt of a conditional write reports: the result, or that another writer won. */
export const LOST_RACE = Symbol('lost race');

/**
 * The optimistic-concurrency loop every update and delete shares: read the current
 * document, refuse a stale client etag, write conditioned on the revision read, and
 * re-read and try again when another writer got there first. With a client etag a
 * lost race is the client's to resolve (409 ETAG_MISMATCH); without one we retry a
 * few times, then answer 409 CONCURRENT_UPDATES.
 */
export async function writeAtRevision<D extends { revision: number }, R>(o: {
  id: string;
  /** The revision the client's etag names, or null when it sent none. */
  expectedRevision: number | null;
  errors: ResourceErrors;
  load: () => Promise<D | null>;
  /** One attempt: the write conditioned on current.revision; LOST_RACE when it matched nothing. */
  attempt: (current: D) => Promise<R | typeof LOST_RACE>;
  attempts?: number;
}): Promise<R> {
  for (let i = 0; i < (o.attempts ?? 5); i++) {
    const current = await o.load();
    if (!current) throw o.errors.notFound(o.id);
    if (o.expectedRevision !== null && current.revision !== o.expectedRevision) throw o.errors.stale(o.id);
    const result = await o.attempt(current);
    if (result !== LOST_RACE) return result;
    if (o.expectedRevision !== null) throw o.errors.stale(o.id);
  }
  throw o.errors.busy(o.id);
}

