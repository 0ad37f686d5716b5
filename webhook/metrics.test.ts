import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics, kindLabel } from './metrics.js';

async function viewAges(metrics: ReturnType<typeof createMetrics>): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith('kafkaguard_kafka_view_age_seconds{'));
}

describe('kafkaguard_kafka_view_age_seconds', () => {
  it('is the age of each view at scrape time, without any decision reading it', async () => {
    let clock = 10_000;
    const metrics = createMetrics({ processMetrics: false, now: () => clock });
    const views = new Map([['kafka/kafka', 8_000], ['other/cluster', 10_000]]);
    metrics.reportKafkaViews(() => views);
    assert.deepEqual(await viewAges(metrics), [
      'kafkaguard_kafka_view_age_seconds{policy="kafka/kafka"} 2',
      'kafkaguard_kafka_view_age_seconds{policy="other/cluster"} 0',
    ]);
    clock = 14_500;
    assert.deepEqual(await viewAges(metrics), [
      'kafkaguard_kafka_view_age_seconds{policy="kafka/kafka"} 6.5',
      'kafkaguard_kafka_view_age_seconds{policy="other/cluster"} 4.5',
    ]);
  });

  it('follows a background refresh and drops the views that are gone', async () => {
    const metrics = createMetrics({ processMetrics: false, now: () => 20_000 });
    const views = new Map([['kafka/kafka', 5_000], ['other/cluster', 5_000]]);
    metrics.reportKafkaViews(() => views);
    assert.equal((await viewAges(metrics)).length, 2);
    views.set('kafka/kafka', 19_000);
    views.delete('other/cluster');
    assert.deepEqual(await viewAges(metrics), ['kafkaguard_kafka_view_age_seconds{policy="kafka/kafka"} 1']);
  });

  it('never reports a negative age when the view was fetched after the clock read', async () => {
    const metrics = createMetrics({ processMetrics: false, now: () => 1_000 });
    metrics.reportKafkaViews(() => [['kafka/kafka', 1_200]]);
    assert.deepEqual(await viewAges(metrics), ['kafkaguard_kafka_view_age_seconds{policy="kafka/kafka"} 0']);
  });

  it('has no series before the facts report their views', async () => {
    assert.deepEqual(await viewAges(createMetrics({ processMetrics: false })), []);
  });
});

describe('kindLabel', () => {
  const table: Array<[string, string]> = [
    ['Pod', 'Pod'],
    ['Eviction', 'Eviction'],
    ['Scale', 'Scale'],
    ['KafkaGuardPolicy', 'KafkaGuardPolicy'],
    ['pod', 'other'],
    ['Made1Up', 'other'],
    ['', 'other'],
    ['__proto__', 'other'],
    ['constructor', 'other'],
  ];
  for (const [kind, label] of table) {
    it(`labels kind ${JSON.stringify(kind)} as ${label}`, () => assert.equal(kindLabel(kind), label));
  }
});
