import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLocked, lockoutSeconds } from './lockout.js';

describe('lockoutSeconds', () => {
  const policy = { threshold: 5, baseSeconds: 60, maxSeconds: 3600 };

  test('1, 2, 4, 8 ... minutes', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => lockoutSeconds(policy, n)), [60, 120, 240, 480, 960, 1920]);
  });

  test('capped at an hour, however many lockouts came before', () => {
    assert.equal(lockoutSeconds(policy, 6), 3600);
    assert.equal(lockoutSeconds(policy, 2000), 3600);
  });
});

describe('isLocked', () => {
  const now = new Date('2026-01-01T10:00:00Z');
  test('locked strictly before lockedUntil', () => {
    assert.equal(isLocked({ lockedUntil: new Date('2026-01-01T10:00:01Z') }, now), true);
    assert.equal(isLocked({ lockedUntil: now }, now), false);
    assert.equal(isLocked({ lockedUntil: null }, now), false);
  });
});
