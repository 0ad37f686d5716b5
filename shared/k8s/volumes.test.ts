import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeBrokerVolume, nodeMatchesTerms, volumeUsableOn } from './volumes.js';

const pvc = { spec: { storageClassName: 'fast', volumeName: 'pv-1' }, status: { capacity: { storage: '100Gi' } } };
const hostTerm = (node: string) => ({ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] });

describe('describeBrokerVolume', () => {
  test('a local volume or a PV pinned to a host is node-local', () => {
    const local = describeBrokerVolume('data-0', pvc, { metadata: { name: 'pv-1' }, spec: { local: { path: '/mnt' }, nodeAffinity: { required: { nodeSelectorTerms: [hostTerm('n1')] } } } });
    assert.deepEqual([local.kind, local.nodes, local.size, local.storageClass], ['node-local', ['n1'], '100Gi', 'fast']);
    const pinned = describeBrokerVolume('data-0', pvc, { spec: { hostPath: { path: '/x' }, nodeAffinity: { required: { nodeSelectorTerms: [hostTerm('n2')] } } } });
    assert.equal(pinned.kind, 'node-local');
  });
  test('no affinity, or only a zone, is network storage', () => {
    assert.equal(describeBrokerVolume('d', pvc, { spec: { csi: {} } as never }).kind, 'network');
    assert.equal(describeBrokerVolume('d', pvc, { spec: { hostPath: { path: '/shared' } } }).kind, 'network');
    const zonal = describeBrokerVolume('d', pvc, {
      spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z1'] }] }] } } },
    });
    assert.deepEqual([zonal.kind, zonal.zones], ['network', ['z1']]);
  });
  test('no claim, a missing claim, an unbound claim', () => {
    assert.equal(describeBrokerVolume(null, null, null).kind, 'ephemeral');
    assert.equal(describeBrokerVolume('d', null, null).kind, 'unknown');
    assert.match(describeBrokerVolume('d', { spec: {} }, null).reason, /not bound/);
  });
});

describe('node affinity', () => {
  test('terms are ORed, expressions ANDed; an empty term selects nothing', () => {
    const terms = [
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'ssd', operator: 'Exists' }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] },
    ];
    assert.equal(nodeMatchesTerms('n', { zone: 'a', ssd: '' }, terms), true);
    assert.equal(nodeMatchesTerms('n', { zone: 'a' }, terms), false);
    assert.equal(nodeMatchesTerms('special', {}, terms), true);
    assert.equal(nodeMatchesTerms('n', {}, [{}]), false);
    assert.equal(nodeMatchesTerms('n', { cpu: '8' }, [{ matchExpressions: [{ key: 'cpu', operator: 'Gt', values: ['4'] }] }]), true);
  });
  test('volumeUsableOn', () => {
    const pv = { spec: { nodeAffinity: { required: { nodeSelectorTerms: [hostTerm('n1')] } } } };
    assert.equal(volumeUsableOn(pv, 'n1', { 'kubernetes.io/hostname': 'n1' }), true);
    assert.equal(volumeUsableOn(pv, 'n2', { 'kubernetes.io/hostname': 'n2' }), false);
    assert.equal(volumeUsableOn({ spec: {} }, 'n2', {}), true);
  });
});
