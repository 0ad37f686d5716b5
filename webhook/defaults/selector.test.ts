import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelector } from '../../shared/policy/types.js';
import { brokerPodSelector } from './selector.js';

describe('brokerPodSelector', () => {
  const podLabels = { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'orders', 'controller-revision-hash': 'abc' };

  it('takes the pod values of the keys the broker selector names', () => {
    const selector: LabelSelector = { matchLabels: { 'app.kubernetes.io/name': 'kafka' }, matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'Exists' }] };
    assert.deepEqual(brokerPodSelector(podLabels, selector), { matchLabels: { 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/name': 'kafka' } });
  });

  it('narrows In to the pod value and keeps negative expressions', () => {
    const selector: LabelSelector = {
      matchExpressions: [
        { key: 'app.kubernetes.io/name', operator: 'In', values: ['kafka', 'kafka-broker'] },
        { key: 'role', operator: 'NotIn', values: ['exporter'] },
      ],
    };
    assert.deepEqual(brokerPodSelector(podLabels, selector), {
      matchLabels: { 'app.kubernetes.io/name': 'kafka' },
      matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['exporter'] }],
    });
  });

  it('falls back to the broker selector when it names no positive key', () => {
    const selector: LabelSelector = { matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] };
    const result = brokerPodSelector(podLabels, selector);
    assert.deepEqual(result, selector);
    assert.notEqual(result, selector, 'a copy, so the policy object is never shared with the patch');
  });
});
