import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodingOnce, reusableResponse } from './reusable.js';

describe('reusable responses', () => {
  const counting = () => {
    const counter = { calls: 0, serialize: (value: { n: number }) => { counter.calls++; return Buffer.from(String(value.n)); } };
    return counter;
  };

  test('a reusable response is encoded once and the same bytes are sent again', () => {
    const c = counting();
    const serialize = encodingOnce(c.serialize);
    const cached = reusableResponse({ n: 7 });
    const first = serialize(cached);
    assert.equal(serialize(cached), first);
    assert.equal(c.calls, 1);
    assert.equal(first.toString(), '7');
  });

  test('ordinary responses are encoded every time (they may be built fresh or changed)', () => {
    const c = counting();
    const serialize = encodingOnce(c.serialize);
    const plain = { n: 1 };
    serialize(plain);
    plain.n = 2;
    assert.equal(serialize(plain).toString(), '2');
    assert.equal(c.calls, 2);
  });
});
