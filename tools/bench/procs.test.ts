import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRssBytes, parseStat, treeOf } from './procs.js';

// A real /proc/<pid>/stat line, with a command name holding a space and parentheses.
const STAT = '4242 (node (main) x) S 4100 4242 4100 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 11 0 987654 1200000000 50000 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';

test('parseStat reads pid, ppid, utime + stime and start time after the last parenthesis', () => {
  assert.deepEqual(parseStat(STAT), { pid: 4242, ppid: 4100, cpuTicks: 1234 + 567, startTicks: 987654 });
});

test('parseStat reads this very process from /proc consistently', async () => {
  const { readFileSync } = await import('node:fs');
  const s = parseStat(readFileSync('/proc/self/stat', 'utf8'));
  assert.ok(s.pid > 0 && s.ppid > 0 && s.cpuTicks >= 0 && s.startTicks > 0);
});

test('parseRssBytes turns VmRSS kB into bytes, 0 when absent', () => {
  assert.equal(parseRssBytes('Name:\tnode\nVmHWM:\t  900 kB\nVmRSS:\t  812 kB\nThreads:\t11\n'), 812 * 1024);
  assert.equal(parseRssBytes('Name:\tzombie\nState:\tZ\n'), 0);
});

test('treeOf walks every descendant of the root, not siblings or parents', () => {
  const stats = [
    { pid: 1, ppid: 0 }, { pid: 10, ppid: 1 }, { pid: 11, ppid: 10 }, { pid: 12, ppid: 11 }, { pid: 13, ppid: 10 }, { pid: 20, ppid: 1 },
  ].map((s) => ({ ...s, cpuTicks: 0, startTicks: 0 }));
  assert.deepEqual(treeOf(10, stats).sort((a, b) => a - b), [10, 11, 12, 13]);
  assert.deepEqual(treeOf(20, stats), [20]);
});
