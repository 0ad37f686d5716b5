import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelector } from '../policy/types.js';
import { labelKeyProblem, labelValueProblem, matchesSelector, selectorToString } from './selector.js';

describe('matchesSelector', () => {
  const cases: Array<{ name: string; labels: Record<string, string> | undefined; selector: LabelSelector; matches: boolean }> = [
    { name: 'matchLabels equal', labels: { app: 'kafka', x: 'y' }, selector: { matchLabels: { app: 'kafka' } }, matches: true },
    { name: 'matchLabels other value', labels: { app: 'zookeeper' }, selector: { matchLabels: { app: 'kafka' } }, matches: false },
    { name: 'matchLabels key missing', labels: { x: 'kafka' }, selector: { matchLabels: { app: 'kafka' } }, matches: false },
    { name: 'matchLabels with no labels at all', labels: undefined, selector: { matchLabels: { app: 'kafka' } }, matches: false },
    { name: 'matchLabels empty value matches empty label', labels: { flag: '' }, selector: { matchLabels: { flag: '' } }, matches: true },
    { name: 'matchLabels empty value needs the label', labels: {}, selector: { matchLabels: { flag: '' } }, matches: false },
    { name: 'In: value listed', labels: { tier: 'b' }, selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, matches: true },
    { name: 'In: value not listed', labels: { tier: 'c' }, selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, matches: false },
    { name: 'In: label absent', labels: {}, selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, matches: false },
    { name: 'In: no values selects nothing', labels: { tier: 'a' }, selector: { matchExpressions: [{ key: 'tier', operator: 'In' }] }, matches: false },
    { name: 'NotIn: label absent', labels: {}, selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, matches: true },
    { name: 'NotIn: other value', labels: { tier: 'b' }, selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, matches: true },
    { name: 'NotIn: value listed', labels: { tier: 'a' }, selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, matches: false },
    { name: 'Exists: present (even empty)', labels: { canary: '' }, selector: { matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, matches: true },
    { name: 'Exists: absent', labels: {}, selector: { matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, matches: false },
    { name: 'DoesNotExist: absent', labels: undefined, selector: { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, matches: true },
    { name: 'DoesNotExist: present', labels: { canary: 'x' }, selector: { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, matches: false },
    {
      name: 'matchLabels AND expressions: expression fails',
      labels: { app: 'kafka', canary: 'yes' },
      selector: { matchLabels: { app: 'kafka' }, matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] },
      matches: false,
    },
    {
      name: 'matchLabels AND expressions: all hold',
      labels: { app: 'kafka', tier: 'broker' },
      selector: {
        matchLabels: { app: 'kafka' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['broker', 'combined'] },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      },
      matches: true,
    },
    { name: 'empty selector matches everything (Kubernetes semantics)', labels: undefined, selector: {}, matches: true },
    {
      name: 'prototype keys are not labels',
      labels: {},
      selector: { matchExpressions: [{ key: 'constructor', operator: 'Exists' }, { key: 'toString', operator: 'Exists' }] },
      matches: false,
    },
    {
      name: 'an operator Kubernetes does not know selects nothing',
      labels: { app: 'kafka' },
      selector: { matchExpressions: [{ key: 'app', operator: 'Equals' as 'In', values: ['kafka'] }] },
      matches: false,
    },
  ];
  for (const { name, labels, selector, matches } of cases) {
    it(name, () => assert.equal(matchesSelector(labels, selector), matches));
  }
});

describe('selectorToString', () => {
  const cases: Array<{ selector: LabelSelector; text: string }> = [
    { selector: {}, text: '' },
    { selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } }, text: 'app.kubernetes.io/name=kafka' },
    {
      selector: {
        matchLabels: { z: '1', a: '2' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['combined', 'broker'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'm', operator: 'Exists' },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
        ],
      },
      text: 'a=2,!canary,env notin (dev),m,tier in (broker,combined),z=1',
    },
    {
      selector: { matchLabels: { app: 'kafka' }, matchExpressions: [{ key: 'app', operator: 'Exists' }] },
      text: 'app=kafka,app',
    },
  ];
  for (const { selector, text } of cases) {
    it(`${JSON.stringify(selector)} -> ${JSON.stringify(text)}`, () => assert.equal(selectorToString(selector), text));
  }

  it('refuses an operator Kubernetes does not know instead of writing a wrong selector', () => {
    assert.throws(
      () => selectorToString({ matchExpressions: [{ key: 'app', operator: 'Equals' as 'In', values: ['kafka'] }] }),
      /"Equals" on key "app" is not one of In, NotIn, Exists, DoesNotExist/,
    );
  });

  it('does not reorder the caller\'s values', () => {
    const values = ['b', 'a'];
    selectorToString({ matchExpressions: [{ key: 'k', operator: 'In', values }] });
    assert.deepEqual(values, ['b', 'a']);
  });
});

describe('labelKeyProblem', () => {
  const valid = ['app', 'app.kubernetes.io/name', 'strimzi.io/broker-id', 'a', 'A_b.c-9', 'x'.repeat(63), `${'a'.repeat(253)}/n`];
  for (const key of valid) it(`accepts ${JSON.stringify(key.slice(0, 40))}`, () => assert.equal(labelKeyProblem(key), undefined));

  const invalid: Array<[string, RegExp]> = [
    ['', /name part is empty/],
    ['prefix/', /name part is empty/],
    ['/name', /prefix before "\/" is empty/],
    ['Example.com/name', /not a DNS subdomain/],
    ['a/b/c', /name "b\/c"/],
    ['bad key', /name "bad key"/],
    ['-leading', /start and end with an alphanumeric/],
    ['trailing.', /start and end with an alphanumeric/],
    ['x'.repeat(64), /64 characters long; at most 63/],
    [`${'a'.repeat(254)}/n`, /254 characters long; at most 253/],
  ];
  for (const [key, problem] of invalid) {
    it(`refuses ${JSON.stringify(key.slice(0, 40))}`, () => assert.match(labelKeyProblem(key) ?? 'valid', problem));
  }
});

describe('labelValueProblem', () => {
  for (const value of ['', 'kafka', 'v1.2_3-x', 'x'.repeat(63)]) {
    it(`accepts ${JSON.stringify(value)}`, () => assert.equal(labelValueProblem(value), undefined));
  }
  for (const [value, problem] of [
    ['a b', /alphanumerics/],
    ['-x', /start and end with an alphanumeric/],
    ['x/y', /alphanumerics/],
    ['x'.repeat(64), /64 characters long/],
  ] as const) {
    it(`refuses ${JSON.stringify(value.slice(0, 20))}`, () => assert.match(labelValueProblem(value) ?? 'valid', problem));
  }
});
