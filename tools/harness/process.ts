import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A server process the harness started and must stop. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Resolves when a stdout/stderr line says the server is ready. */
  readyLine?: RegExp;
  /** Or polls this until it resolves true. */
  probe?: () => Promise<boolean>;
  timeoutMs?: number;
}

// Every process this module started, so an exit hook can stop them all.
const running = new Set<ManagedProcess>();

/**
 * Starts a server, streams its output to a log file, and waits until it is ready.
 * The child gets a pipe as stdin and runs under a guard that stops it when the pipe
 * closes, so even a SIGKILLed harness leaves nothing running.
 */
export async function startProcess(o: StartOptions): Promise<{ proc: ManagedProcess; match: RegExpMatchArray | null }> {
  const log = createWriteStream(o.logFile, { flags: 'a' });
  // The guard: run the server in the background; when our stdin closes (the parent
  // died) or we get TERM, send it TERM; exit with its status.
  const guard = 'trap \'kill -TERM "$c" 2>/dev/null\' TERM INT; "$@" </dev/null & c=$!; (cat >/dev/null; kill -TERM "$c" 2>/dev/null) <&0 & w=$!; wait "$c"; s=$?; kill "$w" 2>/dev/null; wait "$c" 2>/dev/null; exit $s';
  const child: ChildProcess = spawn('bash', ['-c', guard, o.name, o.command, ...o.args], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const proc: ManagedProcess = {
    name: o.name,
    pid: child.pid!,
    logFile: o.logFile,
    async stop() {
      running.delete(proc);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exitPromise;
      clearTimeout(timer);
      child.stdin?.destroy();
    },
  };
  running.add(proc);

  let match: RegExpMatchArray | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      log.write(line + '\n');
      if (!match && o.readyLine) {
        const m = line.match(o.readyLine);
        if (m) {
          match = m;
          resolve();
        }
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    exitPromise.then(() => reject(new Error(`${o.name} exited before it was ready`)));
    if (o.probe) {
      const probe = o.probe;
      const poll = async () => {
        while (!exited) {
          if (await probe().catch(() => false)) return resolve();
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
  });
  const timeoutMs = o.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([ready, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${o.name} not ready after ${timeoutMs} ms`)), timeoutMs); })]);
  } catch (err) {
    await proc.stop();
    await new Promise((r) => log.end(r));
    throw new Error(`${(err as Error).message}; last log lines (${o.logFile}):\n${tail(o.logFile)}`);
  } finally {
    clearTimeout(timer);
  }
  child.once('exit', () => log.end());
  return { proc, match };
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Stops every process still running, newest first. */
export async function stopAll(): Promise<void> {
  for (const proc of [...running].reverse()) await proc.stop();
}
