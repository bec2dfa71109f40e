// CPU pinning for benchmark processes: servers on one set of cores, load generators
// on another, so that on a small machine the client does not steal the server's core.

/** The command and arguments that run `command` on the given CPUs (`taskset -c`), or as is. */
export function pinned(cpus: string | undefined, command: string, args: string[]): { command: string; args: string[] } {
  if (!cpus) return { command, args };
  return { command: 'taskset', args: ['-c', cpus, command, ...args] };
}

/** How many CPUs a taskset list names: '0' -> 1, '0-1' -> 2, '0,2-3' -> 3. */
export function cpuCount(cpus: string): number {
  const ids = new Set<number>();
  for (const part of cpus.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`bad CPU list ${JSON.stringify(cpus)}`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`bad CPU range ${JSON.stringify(part)}`);
    for (let i = from; i <= to; i++) ids.add(i);
  }
  return ids.size;
}
