// Server processes as the benchmark sees them: each ManagedProcess is a bash guard
// whose descendants are the real server, so CPU time and memory are summed over the
// tree read from /proc, and pinning applies to every process (and thread) in it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** User + system CPU time in clock ticks (all threads). */
  cpuTicks: number;
  /** Start time in ticks since boot: with the pid, names one process even if the pid is reused later. */
  startTicks: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold
 * spaces or parentheses itself, so fields are counted after the last ')'.
 */
export function parseStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // After ") ": state(3) ppid(4) ... utime(14) stime(15): index 0 is field 3.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  return { pid, ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]), startTicks: Number(rest[19]) };
}

/** VmRSS from /proc/<pid>/status, in bytes (0 when missing, e.g. a zombie). */
export function parseRssBytes(status: string): number {
  const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return m ? Number(m[1]) * 1024 : 0;
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process ended meanwhile
  }
};

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = read(`/proc/${entry}/stat`);
    if (text) out.push(parseStat(text));
  }
  return out;
}

/** The pids of root and all its descendants, from a list of stats. */
export function treeOf(root: number, stats: ProcStat[]): number[] {
  const children = new Map<number, number[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The processes of root's tree now, each with its start time. */
export function listTree(root: number): { pid: number; startTicks: number }[] {
  const stats = allStats();
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  return treeOf(root, stats).flatMap((pid) => (byPid.has(pid) ? [{ pid, startTicks: byPid.get(pid)!.startTicks }] : []));
}

/** SIGKILLs each listed process still running as the same process (pid and start time match). */
export function killListed(list: { pid: number; startTicks: number }[]): void {
  for (const p of list) {
    const text = read(`/proc/${p.pid}/stat`);
    if (text && parseStat(text).startTicks === p.startTicks) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A named server and the root pid of its process tree. */
export interface ServerProcess {
  name: string;
  pid: number;
}

/** Pins every process and thread in each server's tree to `cpus` (taskset -c syntax). */
export function pinTrees(servers: ServerProcess[], cpus: string): void {
  const stats = allStats();
  for (const s of servers) {
    for (const pid of treeOf(s.pid, stats)) {
      try {
        execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
      } catch { /* ended meanwhile */ }
    }
  }
}

export interface Usage {
  cpuSeconds: number;
  peakRssBytes: number;
}

/** Current CPU seconds and RSS of each server's tree. */
function snapshot(servers: ServerProcess[]): Map<string, { cpuSeconds: number; rssBytes: number }> {
  const stats = allStats();
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out = new Map<string, { cpuSeconds: number; rssBytes: number }>();
  for (const s of servers) {
    let ticks = 0;
    let rss = 0;
    for (const pid of treeOf(s.pid, stats)) {
      ticks += byPid.get(pid)?.cpuTicks ?? 0;
      rss += parseRssBytes(read(`/proc/${pid}/status`) ?? '');
    }
    out.set(s.name, { cpuSeconds: ticks / CLOCK_TICKS, rssBytes: rss });
  }
  return out;
}

/** Current RSS of each server's tree, in bytes. */
export function rssNow(servers: ServerProcess[]): Record<string, number> {
  return Object.fromEntries([...snapshot(servers)].map(([name, u]) => [name, u.rssBytes]));
}

/**
 * Measures the servers over a window: CPU seconds used (end minus start) and the
 * highest RSS seen, sampled every `everyMs`.
 */
export function startUsage(servers: ServerProcess[], everyMs = 250): { stop(): Record<string, Usage> } {
  const first = snapshot(servers);
  const peak = new Map([...first].map(([name, u]) => [name, u.rssBytes]));
  const timer = setInterval(() => {
    for (const [name, u] of snapshot(servers)) peak.set(name, Math.max(peak.get(name) ?? 0, u.rssBytes));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const last = snapshot(servers);
      return Object.fromEntries(servers.map((s) => {
        const end = last.get(s.name)!;
        return [s.name, { cpuSeconds: Math.max(0, end.cpuSeconds - first.get(s.name)!.cpuSeconds), peakRssBytes: Math.max(peak.get(s.name) ?? 0, end.rssBytes) }];
      }));
    },
  };
}
