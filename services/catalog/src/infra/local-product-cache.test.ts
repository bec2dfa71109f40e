import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { LOCAL_PRODUCT_MAX_AGE_MS, LOCAL_PRODUCT_TTL_MS, LocalProductCache } from './local-product-cache.js';

const product = (id: string, revision: number, name = `rev ${revision}`) => Product.fromPartial({ id, name, etag: `"${revision}"` });

function cache(anchor: { value: string | null } = { value: null }) {
  const clock = { now: 1_000_000 };
  const c = new LocalProductCache(() => anchor.value, 3, () => clock.now);
  c.open();
  return { c, clock, anchor };
}

describe('in-process product cache', () => {
  test('serves what it stored, per rendering', () => {
    const { c } = cache();
    assert.equal(c.fill('a', '', product('a', 1), c.begin()), true);
    assert.equal(c.fill('a', 'de', product('a', 1, 'Becher'), c.begin()), true);
    assert.equal(c.get('a', '')?.name, 'rev 1');
    assert.equal(c.get('a', 'de')?.name, 'Becher');
    assert.equal(c.get('a', 'fr'), undefined);
  });

  test('a read that started before a write cannot store the old state after the invalidation', () => {
    const { c } = cache();
    const token = c.begin(); // the reader starts, reads revision 1 ...
    c.invalidate('a', 2); // ... a write (here or by event) lands ...
    assert.equal(c.fill('a', '', product('a', 1), token), false, 'the old state is refused');
    assert.equal(c.get('a', ''), undefined);
    assert.equal(c.fill('a', '', product('a', 2), c.begin()), true, 'the new state is taken');
  });

  test('a deleted product is never stored again', () => {
    const { c } = cache();
    c.fill('a', '', product('a', 3), c.begin());
    c.invalidate('a', 'deleted');
    assert.equal(c.get('a', ''), undefined);
    assert.equal(c.fill('a', '', product('a', 3), c.begin()), false);
  });

  test('events replace every rendering; an older event after a newer one changes nothing', () => {
    const { c } = cache();
    c.fill('a', 'de', product('a', 1, 'Becher'), c.begin());
    c.put(product('a', 3));
    assert.equal(c.get('a', 'de'), undefined, 'other locales are dropped');
    assert.equal(c.get('a', '')?.name, 'rev 3');
    c.put(product('a', 2));
    assert.equal(c.get('a', '')?.name, 'rev 3');
  });

  test('while events are interrupted it holds nothing, and reads begun before are not stored after', () => {
    const { c } = cache();
    c.fill('a', '', product('a', 1), c.begin());
    const token = c.begin();
    c.close();
    assert.equal(c.get('a', ''), undefined);
    assert.equal(c.fill('b', '', product('b', 1), c.begin()), false, 'closed: nothing is stored');
    c.open();
    assert.equal(c.fill('b', '', product('b', 1), token), false, 'a read begun before the interruption');
    assert.equal(c.fill('b', '', product('b', 1), c.begin()), true);
  });

  test('past the TTL an entry stays only while the write generation is the one noted before its read, and never past the maximum age', () => {
    const { c, clock, anchor } = cache({ value: '7' });
    c.fill('a', '', product('a', 1), c.begin());
    c.fill('b', '', product('b', 1), c.begin());
    clock.now += LOCAL_PRODUCT_TTL_MS + 1;
    assert.equal(c.get('a', '')?.name, 'rev 1', 'nothing written since: kept');
    anchor.value = '8';
    clock.now += LOCAL_PRODUCT_TTL_MS + 1;
    assert.equal(c.get('a', ''), undefined, 'something was written: dropped');
    anchor.value = '8';
    c.fill('c', '', product('c', 1), c.begin());
    for (let t = 0; t < LOCAL_PRODUCT_MAX_AGE_MS; t += LOCAL_PRODUCT_TTL_MS) {
      clock.now += LOCAL_PRODUCT_TTL_MS;
      c.get('c', '');
    }
    clock.now += LOCAL_PRODUCT_TTL_MS + 1;
    assert.equal(c.get('c', ''), undefined, 'too old whatever the anchor says');
  });

  test('without a known generation an entry lives for the TTL only', () => {
    const { c, clock } = cache({ value: null });
    c.fill('a', '', product('a', 1), c.begin());
    clock.now += LOCAL_PRODUCT_TTL_MS - 1;
    assert.ok(c.get('a', ''));
    clock.now += 2;
    assert.equal(c.get('a', ''), undefined);
  });

  test('holds at most its capacity, oldest out first', () => {
    const { c } = cache();
    for (const id of ['a', 'b', 'c', 'd']) c.fill(id, '', product(id, 1), c.begin());
    assert.equal(c.get('a', ''), undefined);
    assert.ok(c.get('d', ''));
  });
});
