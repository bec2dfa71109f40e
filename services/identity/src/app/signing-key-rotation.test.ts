import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { publishedKeys, RETIRE_MARGIN_SECONDS, rotationDue, rotationTiming, signingKeyAt, type KeySchedule } from './signing-key-rotation.js';

const at = (iso: string) => new Date(`2026-01-01T${iso}Z`);
const key = (kid: string, createdAt: string, activeFrom: string, retireAt: string | null = null): KeySchedule => ({
  kid,
  createdAt: at(createdAt),
  activeFrom: at(activeFrom),
  retireAt: retireAt ? at(retireAt) : null,
});

describe('signingKeyAt', () => {
  // A signs; B was rotated in at 10:00 with a 5-minute publish delay; A retires 15 min + margin after B activates.
  const a = key('A', '00:00:00', '00:00:00', '10:21:00');
  const b = key('B', '10:00:00', '10:05:00');

  test('a new key does not sign before its publish delay has passed', () => {
    assert.equal(signingKeyAt([a, b], at('10:04:59'))?.kid, 'A');
  });

  test('every process switches at the stored activation instant', () => {
    assert.equal(signingKeyAt([a, b], at('10:05:00'))?.kid, 'B');
    assert.equal(signingKeyAt([b, a], at('11:00:00'))?.kid, 'B');
  });

  test('of two rotations within one delay, each signs in turn', () => {
    const c = key('C', '10:01:00', '10:06:00');
    assert.equal(signingKeyAt([a, b, c], at('10:05:30'))?.kid, 'B');
    assert.equal(signingKeyAt([a, b, c], at('10:06:00'))?.kid, 'C');
  });

  test('a retired key never signs; no key at all is null', () => {
    assert.equal(signingKeyAt([a], at('10:21:00')), null);
    assert.equal(signingKeyAt([], at('10:00:00')), null);
  });
});

describe('publishedKeys', () => {
  test('pending keys are published at once; replaced keys until they retire', () => {
    const a = key('A', '00:00:00', '00:00:00', '10:21:00');
    const b = key('B', '10:00:00', '10:05:00');
    assert.deepEqual(publishedKeys([a, b], at('10:00:01')).map((k) => k.kid), ['A', 'B']);
    assert.deepEqual(publishedKeys([a, b], at('10:20:59')).map((k) => k.kid), ['A', 'B']);
    assert.deepEqual(publishedKeys([a, b], at('10:21:00')).map((k) => k.kid), ['B']);
  });
});

describe('rotationTiming', () => {
  test('a replaced key stays published for the access-token TTL plus the clock-skew margin', () => {
    assert.deepEqual(rotationTiming({ accessTokenTtlSeconds: 900, signingKeyPublishDelaySeconds: 300 }), {
      publishDelayMs: 300_000,
      retireAfterMs: (900 + RETIRE_MARGIN_SECONDS) * 1000,
    });
    assert.ok(RETIRE_MARGIN_SECONDS >= 30, 'at least the clock skew Envoy tolerates');
  });
});

describe('rotationDue', () => {
  const newest = key('A', '00:00:00', '00:00:00');
  test('due once the newest key is older than the period', () => {
    const day = 86_400_000;
    assert.equal(rotationDue(newest, new Date(at('00:00:00').getTime() + 30 * day - 1), 30), false);
    assert.equal(rotationDue(newest, new Date(at('00:00:00').getTime() + 30 * day), 30), true);
  });
  test('0 days turns the schedule off', () => {
    assert.equal(rotationDue(newest, new Date('2030-01-01'), 0), false);
  });
});
