import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceErrors } from './resource-errors.js';

test('resource errors carry the standard codes, reasons and the id under <resource>_id', () => {
  const errors = resourceErrors('product type');
  const notFound = errors.notFound('t1');
  assert.equal(notFound.code, 'not_found');
  assert.equal(notFound.reason, 'PRODUCT_TYPE_NOT_FOUND');
  assert.deepEqual(notFound.metadata, { product_type_id: 't1' });
  assert.match(notFound.message, /^product type t1 not found$/);
  const stale = errors.stale('t1');
  assert.equal(stale.code, 'aborted');
  assert.equal(stale.reason, 'ETAG_MISMATCH');
  const busy = errors.busy('t1');
  assert.equal(busy.code, 'aborted');
  assert.equal(busy.reason, 'CONCURRENT_UPDATES');
});
