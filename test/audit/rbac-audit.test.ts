import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grantsOf, requestsBy, ungranted, unusedUnexplained } from './rbac-audit.js';

const chart = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: guard}
rules:
  # Facts: pods.
  - {apiGroups: [""], resources: [pods], verbs: [get, list]}
  # Events.
  # unused in tests: only on a refusal the suite never provokes.
  - {apiGroups: [""], resources: [events], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: guard}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: guard}
subjects:
  - {kind: ServiceAccount, name: guard, namespace: guard-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secrets, namespace: kafka}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secrets, namespace: kafka}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secrets}
subjects:
  - {kind: ServiceAccount, name: guard, namespace: guard-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: someone-else}
rules:
  - {apiGroups: [""], resources: [nodes], verbs: [delete]}
`;
const sa = { namespace: 'guard-system', name: 'guard' };
const user = 'system:serviceaccount:guard-system:guard';
const line = (verb: string, resource: string, namespace?: string, code = 200, username = user, subresource?: string, name?: string) =>
  JSON.stringify({ user: { username }, verb, requestURI: '/x', responseStatus: { code }, objectRef: { resource, namespace, apiGroup: '', subresource, name } });

describe('RBAC against the audit log', () => {
  test('grants: per verb, scoped by binding, with their comments; roles bound to others left out', () => {
    const grants = grantsOf(chart, sa);
    assert.deepEqual(grants.map((g) => `${g.role} ${g.namespace ?? '*'} ${g.resource} ${g.verb}`), [
      'ClusterRole/guard * pods get', 'ClusterRole/guard * pods list', 'ClusterRole/guard * events create', 'Role/kafka/secrets kafka secrets get',
    ]);
    assert.match(grants[2]?.comment ?? '', /unused in tests: only on a refusal/);
  });

  test('a rule over several lines is refused (its comment could not be read)', () => {
    const multiline = chart.replace('  - {apiGroups: [""], resources: [secrets], verbs: [get]}', '  - apiGroups: [""]\n    resources: [secrets]\n    verbs: [get]');
    assert.throws(() => grantsOf(multiline, sa), /Role secrets: write each rule on one line/);
  });

  const cases: Array<{ name: string; lines: string[]; ungranted: string[]; unused: number }> = [
    { name: 'all used and granted', lines: [line('get', 'pods', 'kafka'), line('list', 'pods'), line('get', 'secrets', 'kafka')], ungranted: [], unused: 0 },
    { name: 'a Secret outside the Role\'s namespace is not granted', lines: [line('get', 'secrets', 'other')], ungranted: ['get core/secrets in other: not granted by the chart'], unused: 3 },
    { name: 'a verb the rule lacks', lines: [line('patch', 'pods', 'kafka')], ungranted: ['patch core/pods in kafka: not granted by the chart'], unused: 3 },
    { name: 'a subresource is its own resource', lines: [line('patch', 'pods', 'kafka', 200, user, 'status')], ungranted: ['patch core/pods/status in kafka: not granted by the chart'], unused: 3 },
    { name: 'a 403 is reported even when granted', lines: [line('get', 'pods', 'kafka', 403)], ungranted: ['get core/pods in kafka: refused (403) although the chart grants it'], unused: 2 },
    { name: 'a 403 allowed before but not after is reported', lines: [line('get', 'pods', 'kafka'), line('get', 'pods', 'kafka', 403)], ungranted: ['get core/pods in kafka: refused (403) although the chart grants it'], unused: 2 },
    { name: 'a 403 the same request later gets past (a restarted apiserver syncing RBAC) is not', lines: [line('get', 'pods', 'kafka', 403), line('get', 'pods', 'kafka')], ungranted: [], unused: 2 },
    { name: 'a 403 is not excused by another namespace\'s success', lines: [line('get', 'pods', 'kafka', 403), line('get', 'pods', 'other')], ungranted: ['get core/pods in kafka: refused (403) although the chart grants it'], unused: 2 },
    { name: 'other users are not counted', lines: [line('delete', 'nodes', undefined, 200, 'admin')], ungranted: [], unused: 3 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const grants = grantsOf(chart, sa);
      const { requests } = requestsBy(c.lines, user);
      assert.deepEqual(ungranted(requests, grants), c.ungranted);
      // The commented events grant never counts as unexplained.
      assert.equal(unusedUnexplained(requests, grants).length, c.unused);
    });
  }

  test('a rule with resourceNames covers those objects only', () => {
    const named = chart.replace('  - {apiGroups: [""], resources: [secrets], verbs: [get]}', '  - {apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get]}');
    const grants = grantsOf(named, sa);
    const check = (name?: string) => ungranted(requestsBy([line('get', 'secrets', 'kafka', 200, user, undefined, name)], user).requests, grants);
    assert.deepEqual(check('tls'), []);
    assert.deepEqual(check('other'), ['get core/secrets other in kafka: not granted by the chart']);
    assert.deepEqual(check(), ['get core/secrets in kafka: not granted by the chart']);
  });

  test('non-resource requests (discovery) are kept apart', () => {
    const { requests, nonResource } = requestsBy([JSON.stringify({ user: { username: user }, verb: 'get', requestURI: '/apis', responseStatus: { code: 200 } })], user);
    assert.deepEqual([requests, nonResource], [[], [{ uri: '/apis', code: 200 }]]);
  });
});
