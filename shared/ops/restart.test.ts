import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartOrder } from './restart.js';

test('restartOrder: by broker id, the active controller last', () => {
  const b = (id: number) => ({ id, pod: `kafka-${id}`, node: null });
  assert.deepEqual(restartOrder([b(2), b(0), b(1)], 0).map((x) => x.id), [1, 2, 0]);
  assert.deepEqual(restartOrder([b(2), b(1)], 5).map((x) => x.id), [1, 2]);
});
