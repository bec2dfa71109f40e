import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuCount, pinned } from './pin.js';

describe('CPU pinning', () => {
  it('wraps a command in taskset -c only when CPUs are given', () => {
    assert.deepEqual(pinned('0', 'envoy', ['-c', 'x.json']), { command: 'taskset', args: ['-c', '0', 'envoy', '-c', 'x.json'] });
    assert.deepEqual(pinned(undefined, 'envoy', ['-c', 'x.json']), { command: 'envoy', args: ['-c', 'x.json'] });
  });

  it('counts the CPUs of a taskset list', () => {
    assert.equal(cpuCount('0'), 1);
    assert.equal(cpuCount('0-1'), 2);
    assert.equal(cpuCount('0,2-3'), 3);
    assert.equal(cpuCount('1,1,0-1'), 2);
  });

  it('rejects lists taskset would not take', () => {
    assert.throws(() => cpuCount('a'), /bad CPU list/);
    assert.throws(() => cpuCount('3-1'), /bad CPU range/);
  });
});
