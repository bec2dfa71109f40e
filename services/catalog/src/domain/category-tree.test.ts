import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { domainErrorOf } from '../../../../tools/testing/domain.js';
import { ancestorsUnder, categoryPathOf, rebaseDescendant } from './category-tree.js';

describe('category tree', () => {
  const root = { id: 'r', ancestorIds: [] };
  const child = { id: 'c', ancestorIds: ['r'] };
  const grandchild = { id: 'g', ancestorIds: ['r', 'c'] };

  test('a category under a parent has the parent path plus the parent', () => {
    assert.deepEqual(ancestorsUnder({ id: 'new' }, grandchild), ['r', 'c', 'g']);
    assert.deepEqual(ancestorsUnder({ id: 'new' }, null), []);
  });

  test('moving a category under itself or a descendant is a cycle', () => {
    assert.equal(domainErrorOf(() => ancestorsUnder({ id: 'c' }, child)).reason, 'CATEGORY_CYCLE');
    assert.equal(domainErrorOf(() => ancestorsUnder({ id: 'c' }, grandchild)).reason, 'CATEGORY_CYCLE');
    assert.equal(domainErrorOf(() => ancestorsUnder({ id: 'r' }, grandchild)).reason, 'CATEGORY_CYCLE');
  });

  test('descendants keep their path below the moved category', () => {
    assert.deepEqual(rebaseDescendant(['r', 'c', 'g'], 'c', ['x']), ['x', 'c', 'g']);
    assert.deepEqual(rebaseDescendant(['r', 'c'], 'c', []), ['c']);
  });

  test('a product is found under every ancestor of each of its categories', () => {
    assert.deepEqual(categoryPathOf([grandchild, root]).sort(), ['c', 'g', 'r']);
  });

  test('the tree has a depth limit', () => {
    const deep = { id: 'd9', ancestorIds: Array.from({ length: 9 }, (_, i) => `d${i}`) };
    assert.equal(domainErrorOf(() => ancestorsUnder({ id: 'n' }, deep)).reason, 'CATEGORY_TOO_DEEP');
  });
});
