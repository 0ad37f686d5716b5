import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedSetters, breakGlassPermission, breakGlassRestricted, type Identity } from './break-glass.js';
import type { BreakGlassSpec } from './types.js';

const alice: Identity = { username: 'alice', groups: ['system:authenticated'] };
const sreMember: Identity = { username: 'carol', groups: ['system:authenticated', 'sre'] };
const serviceAccount: Identity = {
  username: 'system:serviceaccount:ops:oncall-bot',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:ops', 'system:authenticated'],
};

describe('breakGlassPermission', () => {
  const cases: Array<{ name: string; spec: BreakGlassSpec | undefined; who: Identity | null; permitted: boolean; by?: unknown; allowed?: string }> = [
    { name: 'no spec.breakGlass: anyone (today\'s behaviour)', spec: undefined, who: alice, permitted: true, by: 'anyone' },
    { name: 'an empty spec.breakGlass: anyone', spec: {}, who: alice, permitted: true, by: 'anyone' },
    { name: 'unrestricted, setter not recorded: permitted', spec: undefined, who: null, permitted: true, by: 'anyone' },
    { name: 'a listed user', spec: { allowedUsers: ['alice'] }, who: alice, permitted: true, by: { user: 'alice' } },
    { name: 'a user not listed', spec: { allowedUsers: ['bob'] }, who: alice, permitted: false, allowed: 'user bob' },
    { name: 'a member of a listed group', spec: { allowedUsers: ['bob'], allowedGroups: ['sre'] }, who: sreMember, permitted: true, by: { group: 'sre' } },
    { name: 'in no listed group', spec: { allowedGroups: ['sre', 'dba'] }, who: alice, permitted: false, allowed: 'groups sre, dba' },
    { name: 'a ServiceAccount by name', spec: { allowedUsers: ['system:serviceaccount:ops:oncall-bot'] }, who: serviceAccount, permitted: true, by: { user: 'system:serviceaccount:ops:oncall-bot' } },
    { name: 'a ServiceAccount by its namespace group', spec: { allowedGroups: ['system:serviceaccounts:ops'] }, who: serviceAccount, permitted: true, by: { group: 'system:serviceaccounts:ops' } },
    { name: 'a ServiceAccount of another namespace', spec: { allowedGroups: ['system:serviceaccounts:kafka'] }, who: serviceAccount, permitted: false, allowed: 'group system:serviceaccounts:kafka' },
    { name: 'both lists empty: nobody', spec: { allowedUsers: [], allowedGroups: [] }, who: alice, permitted: false, allowed: 'nobody' },
    { name: 'only an empty user list: nobody, not anyone', spec: { allowedUsers: [] }, who: sreMember, permitted: false, allowed: 'nobody' },
    { name: 'restricted, setter not recorded: refused', spec: { allowedUsers: ['alice'] }, who: null, permitted: false, allowed: 'user alice' },
    { name: 'names compare exactly (case)', spec: { allowedUsers: ['Alice'] }, who: alice, permitted: false, allowed: 'user Alice' },
    { name: 'a user name is no group name', spec: { allowedGroups: ['alice'] }, who: alice, permitted: false, allowed: 'group alice' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = breakGlassPermission(c.spec, c.who);
      assert.equal(result.permitted, c.permitted);
      if (result.permitted) assert.deepEqual(result.by, c.by);
      else assert.equal(result.allowed, c.allowed);
    });
  }
});

describe('allowedSetters and breakGlassRestricted', () => {
  it('says who is allowed in words', () => {
    assert.equal(allowedSetters(undefined), 'anyone who can patch the pod');
    assert.equal(allowedSetters({ allowedUsers: ['a', 'b'], allowedGroups: ['sre'] }), 'users a, b; group sre');
    assert.equal(allowedSetters({ allowedGroups: [] }), 'nobody');
  });
  it('restricts as soon as either list is given, even empty', () => {
    assert.deepEqual([undefined, {}, { allowedUsers: [] }, { allowedGroups: ['x'] }].map(breakGlassRestricted), [false, false, true, true]);
  });
});
