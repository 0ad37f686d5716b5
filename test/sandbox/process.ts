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
  writeFileSync(pidFile, `${lines}${pid} ${name}\n`);
}

/** Pids recorded in a pid file that are still alive; a negative pid is a process group with a live member. */
export function livePids(pidFile: string): Array<{ pid: number; name: string }> {
  if (!existsSync(pidFile)) return [];
  return readFileSync(pidFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, ...name] = line.split(' ');
      return { pid: Number(pid), name: name.join(' ') };
    })
    .filter(({ pid }) => Number.isInteger(pid) && isAlive(pid));
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
