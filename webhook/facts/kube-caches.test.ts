import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { superviseInformer } from './kube-caches.js';

/**
 * An informer whose start() answers from a script: 'ok' lists and watches, 'fail' rejects,
 * 'watch-fails' resolves after emitting a watch error, as client-node's does when the
 * apiserver refuses the watch it reopens with a known resourceVersion.
 */
class ScriptedInformer extends EventEmitter {
  starts = 0;
  constructor(private readonly answers: Array<'ok' | 'fail' | 'watch-fails'>) { super(); }
  async start(): Promise<void> {
    const answer = this.answers[this.starts] ?? 'ok';
    this.starts += 1;
    if (answer === 'fail') throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    if (answer === 'watch-fails') this.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6443'));
  }
}

const fast = { retryMs: 5, restartMs: 5 };

test('superviseInformer: synced after the first list; a watch error clears it until a restart lists again', async () => {
  // Start ok; after the watch error, two failed restarts (the apiserver down: a list refused,
  // then a watch refused although start() resolved), then ok.
  const informer = new ScriptedInformer(['ok', 'fail', 'watch-fails', 'ok']);
  const state = { synced: false };
  let closed = false;
  superviseInformer(informer, state, { closed: () => closed, ...fast });
  await sleep(1);
  assert.equal(state.synced, true);
  informer.emit('error', new Error('watch: connection reset'));
  assert.equal(state.synced, false, 'a cache that lost its watch still said synced');
  await sleep(8);
  assert.equal(state.synced, false, 'synced again before a restart listed');
  await sleep(60);
  assert.equal(informer.starts, 4);
  assert.equal(state.synced, true);
  closed = true;
});

test('superviseInformer: a failed first list is retried; nothing is restarted once closed', async () => {
  const informer = new ScriptedInformer(['fail', 'ok']);
  const state = { synced: false };
  let closed = false;
  const listErrors: unknown[] = [];
  superviseInformer(informer, state, { closed: () => closed, onListError: (e) => listErrors.push(e), ...fast });
  await sleep(40);
  assert.equal(state.synced, true);
  assert.equal(listErrors.length, 1);
  closed = true;
  informer.emit('error', new Error('stopped'));
  await sleep(30);
  assert.equal(informer.starts, 2, 'restarted after close');
  assert.equal(state.synced, true, 'an error after close changed the state');
});

test('superviseInformer: a start whose watch failed at once does not count as synced', async () => {
  const informer = new ScriptedInformer(['watch-fails']);
  const state = { synced: false };
  let closed = false;
  superviseInformer(informer, state, { closed: () => closed, retryMs: 60_000, restartMs: 60_000 });
  await sleep(20);
  assert.equal(informer.starts, 1);
  assert.equal(state.synced, false, 'synced although the watch it opened failed');
  closed = true;
});
