import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { livePids, liveStamped, pidStamp, processStartTime } from './process.js';

test('a stamp names one process: its pid and its start time', () => {
  const stamp = pidStamp(process.pid);
  assert.match(stamp, new RegExp(`^${process.pid}:\\d+$`));
  assert.equal(liveStamped(stamp), process.pid);
  assert.equal(liveStamped(`${stamp}\n`), process.pid, 'as read back from a file');
});

test('a recorded pid now used by another process (another start time) is not taken for it', () => {
  const start = Number(processStartTime(process.pid));
  assert.equal(liveStamped(`${process.pid}:${start + 1}`), null);
});

test('a process that has ended is not live, stamped or not', async () => {
  const child = spawn('sleep', ['30']);
  assert.ok(child.pid);
  const stamp = pidStamp(child.pid);
  assert.equal(liveStamped(stamp), child.pid);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(liveStamped(stamp), null);
});

test('livePids keeps what still runs as recorded and drops the reused and the dead', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kg-pids-'));
  try {
    const file = join(dir, 'pids');
    const start = Number(processStartTime(process.pid));
    writeFileSync(file, [
      `${pidStamp(process.pid)} kube-apiserver`,
      `${process.pid}:${start + 7} kafka broker 0`, // the pid, reused by this process since
      '999999999:1 etcd', // no such pid
      `${process.ppid} kube-scheduler`, // written before stamps: taken at its word
      '',
    ].join('\n'));
    assert.deepEqual(livePids(file), [
      { pid: process.pid, name: 'kube-apiserver' },
      { pid: process.ppid, name: 'kube-scheduler' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process group is live while its leader runs as stamped', async () => {
  const leader = spawn('sleep', ['30'], { detached: true });
  assert.ok(leader.pid);
  try {
    const stamp = pidStamp(-leader.pid);
    assert.match(stamp, new RegExp(`^-${leader.pid}:\\d+$`));
    assert.equal(liveStamped(stamp), -leader.pid);
  } finally {
    leader.kill('SIGKILL');
    await once(leader, 'exit');
  }
  assert.equal(liveStamped(pidStamp(-leader.pid)), null);
});
