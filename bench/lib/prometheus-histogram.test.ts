import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { fractionAtMost, histogramDelta, mergeBy, parseHistograms, parseLabels, quantile } from './prometheus-histogram.js';

const NAME = 'apiserver_admission_webhook_admission_duration_seconds';
const text = (counts: { a: number[]; b: number[] }) => `
# HELP ${NAME} [STABLE] Admission webhook latency histogram in seconds
# TYPE ${NAME} histogram
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="false",type="validating",le="0.005"} ${counts.a[0]}
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="false",type="validating",le="0.025"} ${counts.a[1]}
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="false",type="validating",le="0.1"} ${counts.a[2]}
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="false",type="validating",le="+Inf"} ${counts.a[3]}
${NAME}_sum{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="false",type="validating"} 1.5
${NAME}_count{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="false",type="validating"} ${counts.a[3]}
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="true",type="validating",le="0.005"} ${counts.b[0]}
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="true",type="validating",le="0.025"} ${counts.b[1]}
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="true",type="validating",le="0.1"} ${counts.b[2]}
${NAME}_bucket{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="true",type="validating",le="+Inf"} ${counts.b[3]}
${NAME}_count{name="pods.validate.kafkaguard.io",operation="DELETE",rejected="true",type="validating"} ${counts.b[3]}
${NAME}_rejection_count{name="x",operation="DELETE",rejection_code="0",type="validating",error_type="calling_webhook_error"} 3
apiserver_other_bucket{le="0.1"} 9
`;

describe('parseHistograms', () => {
  it('reads every series of the histogram, buckets ascending, ignoring other metrics', () => {
    const series = parseHistograms(text({ a: [1, 3, 4, 4], b: [0, 0, 1, 2] }), NAME);
    assert.equal(series.length, 2);
    assert.deepEqual(series[0]?.labels, { name: 'pods.validate.kafkaguard.io', operation: 'DELETE', rejected: 'false', type: 'validating' });
    assert.deepEqual(series[0]?.buckets, [{ le: 0.005, count: 1 }, { le: 0.025, count: 3 }, { le: 0.1, count: 4 }, { le: Infinity, count: 4 }]);
    assert.equal(series[0]?.sum, 1.5);
    assert.equal(series[1]?.count, 2);
  });

  it('reads escaped label values and refuses labels it cannot read, naming the line', () => {
    assert.deepEqual(parseLabels('a="x\\"y",b="1"', 'l'), { a: 'x"y', b: '1' });
    assert.throws(() => parseLabels('a=x', 'metric{a=x} 1'), /cannot read the labels of metrics line "metric\{a=x\} 1" at character 0/);
  });
});

describe('histogramDelta and mergeBy', () => {
  it('subtracts the earlier reading and adds series that differ only in other labels', () => {
    const before = parseHistograms(text({ a: [1, 1, 1, 1], b: [0, 0, 0, 0] }), NAME);
    const after = parseHistograms(text({ a: [11, 13, 14, 14], b: [0, 0, 1, 2] }), NAME);
    const [merged] = mergeBy(histogramDelta(after, before), ['name', 'operation']);
    assert.deepEqual(merged?.labels, { name: 'pods.validate.kafkaguard.io', operation: 'DELETE' });
    assert.deepEqual(merged?.buckets.map((b) => b.count), [10, 12, 14, 15]);
    assert.equal(merged?.count, 15);
  });

  it('counts a series that appeared only after from zero', () => {
    const after = parseHistograms(text({ a: [1, 2, 2, 2], b: [0, 0, 0, 0] }), NAME);
    assert.deepEqual(histogramDelta(after, [])[0]?.buckets.map((b) => b.count), [1, 2, 2, 2]);
  });
});

describe('quantile', () => {
  const buckets = [{ le: 0.005, count: 50 }, { le: 0.025, count: 90 }, { le: 0.1, count: 100 }, { le: Infinity, count: 100 }];
  const cases: Array<[number, number]> = [
    [0.5, 0.005], // rank 50: the top of the first bucket
    [0.25, 0.0025], // rank 25: half way into [0, 0.005]
    [0.7, 0.015], // rank 70: half way into (0.005, 0.025]
    [0.99, 0.0925], // rank 99: 9/10 into (0.025, 0.1]
    [1, 0.1],
  ];
  for (const [q, expected] of cases) {
    it(`p${q * 100} is ${expected} s`, () => assert.ok(Math.abs(quantile(buckets, q) - expected) < 1e-12, String(quantile(buckets, q))));
  }

  it('gives the highest finite bound for a rank in +Inf, NaN without observations, and refuses q outside 0..1', () => {
    assert.equal(quantile([{ le: 0.1, count: 1 }, { le: Infinity, count: 10 }], 0.99), 0.1);
    assert.ok(Number.isNaN(quantile([{ le: Infinity, count: 0 }], 0.5)));
    assert.throws(() => quantile(buckets, 99), /quantile 99: expected a number from 0 to 1/);
  });

  it('fractionAtMost reads a bucket bound exactly', () => {
    assert.equal(fractionAtMost(buckets, 0.025), 0.9);
    assert.throws(() => fractionAtMost(buckets, 0.01), /no bucket bound at 0.01 s/);
  });
});
