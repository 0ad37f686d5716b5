/**
 * Child-process supervision for the sandbox: every process it starts is
 * recorded (pid file) so that Ctrl-C, `--stop`, or a failed start-up stops all
 * of them and leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Supervised {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

export class SandboxError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(hint ? `${message}\n  fix: ${hint}` : message);
    this.name = 'SandboxError';
  }
}

/** Starts a process with its output in `logFile`, and records its pid in `pidFile`. */
export function startProcess(opts: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): Supervised {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => {
      log.write(`spawn error: ${err.message}\n`);
      resolve(`spawn error: ${err.message}`);
    });
  });
  if (child.pid !== undefined) addPid(opts.pidFile, child.pid, opts.name);
  return { name: opts.name, child, logFile: opts.logFile, exited };
}

/**
 * Runs a command to completion in a process group of its own, recorded in
 * `pidFile` as the negative group id, so stopping the sandbox while it runs
 * (a first-run build, a Maven fetch) ends every process under it, not just
 * the shell that started them. Resolves with its output; rejects with an
 * error carrying `stdout`, `stderr` and `code` when it fails.
 */
export function runRecorded(opts: { name: string; command: string; args: string[]; pidFile: string; env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.command, opts.args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    if (child.pid !== undefined) addPid(opts.pidFile, -child.pid, opts.name);
    child.once('error', (err) => reject(Object.assign(err, { stdout, stderr })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(Object.assign(new Error(`${opts.name} exited with ${code ?? signal}`), { stdout, stderr, code }));
    });
  });
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. */
export async function stopProcess(p: Supervised, graceMs = 15_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const done = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

function addPid(pidFile: string, pid: number, name: string): void {
  mkdirSync(dirname(pidFile), { recursive: true });
  const lines = existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : '';
  writeFileSync(pidFile, `${lines}${pidStamp(pid)} ${name}\n`);
}

/**
 * When the process started, in clock ticks since boot (/proc/PID/stat, field 22),
 * or null when there is no such process. A pid and its start time name one process:
 * pids are reused (pid_max is 32768 here, and a CI run spawns far more processes).
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: field 3 is the first.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** `pid:starttime` for a pid file or the owner file; a negative pid (a group) stamps its leader. */
export function pidStamp(pid: number): string {
  const start = processStartTime(Math.abs(pid));
  return start === null ? String(pid) : `${pid}:${start}`;
}

/** The pid of a stamp, if the process it names (that pid with that start time) still runs; else null. */
export function liveStamped(stamp: string): number | null {
  const [pidText, start] = stamp.trim().split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid === 0 || !isAlive(pid)) return null;
  if (start === undefined) return pid; // written before stamps: taken at its word
  const leaderStart = processStartTime(Math.abs(pid));
  // A group whose leader has gone is still ours while a member lives: the kernel reuses no pid that is a live group's id.
  if (leaderStart === null) return pid < 0 ? pid : null;
  return leaderStart === start ? pid : null;
}

/**
 * Pids recorded in a pid file whose processes still run; a negative pid is a
 * process group with a live member. A recorded pid now used by another process
 * (its start time differs) is not one of them: signalling it would hit a stranger,
 * as a CI run once did, stopping another sandbox's kube-apiserver.
 */
export function livePids(pidFile: string): Array<{ pid: number; name: string }> {
  if (!existsSync(pidFile)) return [];
  return readFileSync(pidFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [stamp = '', ...name] = line.split(' ');
      return { pid: liveStamped(stamp), name: name.join(' ') };
    })
    .filter((entry): entry is { pid: number; name: string } => entry.pid !== null);
}

/** True when the process (or, for a negative pid, some process of the group) exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills every live pid of a pid file: SIGTERM, then SIGKILL after `graceMs`. */
export async function killRecorded(pidFile: string, graceMs = 20_000): Promise<number> {
  const pids = livePids(pidFile);
  for (const { pid } of pids) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(({ pid }) => isAlive(pid))) await sleep(200);
  for (const { pid } of pids) {
    if (isAlive(pid)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  return pids.length;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** True when this process could bind 127.0.0.1:port now. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Polls `check` until it returns true; fails with `what` and the log to read. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; logFile?: string; process?: Supervised },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.process && (opts.process.child.exitCode !== null || opts.process.child.signalCode !== null)) {
      throw new SandboxError(`${opts.process.name} exited while waiting for ${what}`, `see ${opts.process.logFile}`);
    }
    try {
      if (await check()) return;
    } catch {
      // not ready yet: keep polling until the deadline
    }
    if (Date.now() > deadline) {
      throw new SandboxError(`timed out after ${opts.timeoutMs / 1000}s waiting for ${what}`, opts.logFile ? `see ${opts.logFile}` : undefined);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
