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
