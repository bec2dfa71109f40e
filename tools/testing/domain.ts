import assert from 'node:assert/strict';
import { DomainError } from '../../services/platform/src/errors.js';

/** Runs fn and returns the DomainError it throws; fails the test if it throws nothing else. */
export function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DomainError, `expected a DomainError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a DomainError');
}

/** The sorted field names of the invalid_argument error fn throws. */
export function violatedFieldsOf(fn: () => unknown): string[] {
  const err = domainErrorOf(fn);
  assert.equal(err.code, 'invalid_argument');
  return err.fieldViolations.map((v) => v.field).sort();
}
