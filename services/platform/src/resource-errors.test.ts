import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOST_RACE, resourceErrors, writeAtRevision } from './resource-errors.js';

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

describe('writeAtRevision', () => {
  const errors = resourceErrors('brand');
  const doc = (revision: number) => ({ revision });

  test('retries a lost race without an etag, then succeeds', async () => {
    let tries = 0;
    const result = await writeAtRevision({ id: 'b1', expectedRevision: null, errors, load: async () => doc(1), attempt: async () => (++tries < 3 ? LOST_RACE : 'ok') });
    assert.equal(result, 'ok');
    assert.equal(tries, 3);
  });

  test('a stale etag is ETAG_MISMATCH before any write, and a lost race with an etag too', async () => {
    let writes = 0;
    const attempt = async () => { writes++; return LOST_RACE; };
    await assert.rejects(writeAtRevision({ id: 'b1', expectedRevision: 2, errors, load: async () => doc(1), attempt }), { reason: 'ETAG_MISMATCH' });
    assert.equal(writes, 0);
    await assert.rejects(writeAtRevision({ id: 'b1', expectedRevision: 1, errors, load: async () => doc(1), attempt }), { reason: 'ETAG_MISMATCH' });
    assert.equal(writes, 1);
  });

  test('missing is NOT_FOUND; endless races end in CONCURRENT_UPDATES', async () => {
    await assert.rejects(writeAtRevision({ id: 'b1', expectedRevision: null, errors, load: async () => null, attempt: async () => 'x' }), { reason: 'BRAND_NOT_FOUND' });
    await assert.rejects(writeAtRevision({ id: 'b1', expectedRevision: null, errors, load: async () => doc(1), attempt: async () => LOST_RACE }), { reason: 'CONCURRENT_UPDATES' });
  });
});

