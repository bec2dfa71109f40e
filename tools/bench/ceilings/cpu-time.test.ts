import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcStat, processTreeCpuMs } from './cpu-time.js';

describe('process CPU time', () => {
  it('reads pid, parent and user + system ticks, even with spaces and parentheses in the name', () => {
    const line = '4242 (node (echo) x) S 4200 4242 22977 0 -1 4194304 121 0 0 0 150 25 0 0 20 0 1 0 2128730 3133440 380';
    assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 4200, ticks: 175 });
  });

  it('grows by the CPU this process spends, never by more than the wall time', () => {
    const before = processTreeCpuMs(process.pid);
    const started = Date.now();
    while (Date.now() - started < 300); // busy: on CPU whenever scheduled
    const spent = processTreeCpuMs(process.pid) - before;
    const wall = Date.now() - started;
    assert.ok(spent >= 10, `spent ${spent} ms`); // at least one tick, however loaded the machine
    assert.ok(spent <= wall + 20, `spent ${spent} ms in ${wall} ms`); // a tick of rounding either side
  });
});
