// CPU time spent by a process and everything it started, read from /proc. On a
// machine shared with other work, CPU milliseconds per request move far less than
// requests per second, so the ceilings report both.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU times in these ticks (100 on every common build). */
const TICKS_PER_SECOND = 100;

/** pid, parent pid and user + system CPU ticks from one /proc/<pid>/stat line. */
export function parseProcStat(line: string): { pid: number; ppid: number; ticks: number } {
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const close = line.lastIndexOf(')');
  const fields = line.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  return { pid: Number(line.slice(0, line.indexOf(' '))), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU milliseconds used so far by `rootPid` and all its live descendants. */
export function processTreeCpuMs(rootPid: number): number {
  const procs: Array<{ pid: number; ppid: number; ticks: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      procs.push(parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const inTree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!inTree.has(p.pid) && inTree.has(p.ppid)) { inTree.add(p.pid); grew = true; }
  }
  const ticks = procs.reduce((sum, p) => (inTree.has(p.pid) ? sum + p.ticks : sum), 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Runs `measure` and returns its result with the CPU ms the process trees used meanwhile. */
export async function withCpuMs<T>(pids: number[], measure: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const total = () => pids.reduce((sum, pid) => sum + processTreeCpuMs(pid), 0);
  const before = total();
  const result = await measure();
  return { result, cpuMs: total() - before };
}

/** CPU ms per request, to the microsecond (0 without requests). */
export function cpuMsPer(requests: number, cpuMs: number): number {
  return requests > 0 ? Math.round((cpuMs / requests) * 1000) / 1000 : 0;
}
