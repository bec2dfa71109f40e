import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Violations } from '../../../platform/src/errors.js';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { MAX_QUANTITY, checkLines } from './lines.js';

const check = (lines: Array<{ sku: string; quantity: number }>, max = 3) => () => {
  const v = new Violations();
  checkLines(v, lines, max);
  v.throwIfAny();
};

describe('checkLines', () => {
  test('accepts distinct SKUs with whole positive quantities', () => {
    check([{ sku: 'A-1', quantity: 1 }, { sku: 'b.2_x', quantity: MAX_QUANTITY }])();
  });
  test('names each bad line and field', () => {
    assert.deepEqual(violatedFieldsOf(check([{ sku: 'A', quantity: 0 }, { sku: 'A', quantity: 1.5 }, { sku: 'has space', quantity: 1 }])), ['lines[0].quantity', 'lines[1].quantity', 'lines[1].sku', 'lines[2].sku']);
  });
  test('refuses no lines and too many lines', () => {
    assert.deepEqual(violatedFieldsOf(check([])), ['lines']);
    assert.deepEqual(violatedFieldsOf(check([{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }], 1)), ['lines']);
  });
});
