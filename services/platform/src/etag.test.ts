import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { violatedFieldsOf } from '../../../tools/testing/domain.js';
import { etagOf, expectedRevision, maskedFields, revisionOf } from './etag.js';

describe('etags', () => {
  test('a revision round-trips through its etag, weak or not', () => {
    assert.equal(revisionOf(etagOf(7)), 7);
    assert.equal(revisionOf('W/"12"'), 12);
    assert.equal(expectedRevision(''), null);
  });
  test('a malformed etag is a 400 naming the field it came in', () => {
    assert.deepEqual(violatedFieldsOf(() => revisionOf('abc', 'supplier.etag')), ['supplier.etag']);
  });
});

describe('maskedFields', () => {
  const allowed = ['name', 'lead_time_days'] as const;
  test('without a mask, the allowed fields that are set; with one, its paths in snake case', () => {
    assert.deepEqual(maskedFields(undefined, allowed, (f) => f === 'name'), ['name']);
    assert.deepEqual(maskedFields(['leadTimeDays'], allowed, () => false), ['lead_time_days']);
  });
  test('an unknown path is a 400 on update_mask', () => {
    assert.deepEqual(violatedFieldsOf(() => maskedFields(['etag'], allowed, () => true)), ['update_mask']);
  });
});
