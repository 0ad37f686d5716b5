import { Flags } from '@oclif/core';
import { fetchClusterView } from '../../shared/kafka/cluster-view.js';
import { clearThrottles, type ClearedThrottles } from '../../shared/kafka/operations.js';
import type { ThrottleState } from '../../shared/kafka/types.js';
import { KafkaCommand, mutatingFlags } from '../lib/base-command.js';
import { formatRate } from '../lib/units.js';
import { renderTable } from '../output/table.js';
import { noThrottles, questions, throttlesDryRun, throttlesRemoved } from '../messages.js';

export interface ThrottlesResult {
  throttles: ThrottleState;
  dryRun: boolean;
  /** What --clear removed; null without --clear. */
  cleared: ClearedThrottles | null;
}

export default class Throttles extends KafkaCommand {
  static override summary = 'List replication throttles, or remove them all (including ones other tools left behind).';

  static override description = `Replication throttles (KIP-73) are dynamic configs: a rate on brokers
(leader/follower.replication.throttled.rate) and the replicas it applies to on topics
(leader/follower.replication.throttled.replicas). A reassignment tool that dies leaves them, and
replication of those replicas stays slow. This lists every one; --clear removes them all.`;

  static override examples = [
    { description: 'List throttles', command: 'kubectl kafka throttles' },
    { description: 'Remove every replication throttle', command: 'kubectl kafka throttles --clear --yes' },
    { description: 'What would --clear remove?', command: 'kubectl kafka throttles --clear --dry-run' },
  ];

  static override flags = {
    clear: Flags.boolean({ description: 'Remove every replication throttle.', default: false }),
    ...mutatingFlags,
  };

  public async run(): Promise<ThrottlesResult> {
    const { flags } = await this.parse(Throttles);
    const session = await this.connect(flags);
    const admin = await session.kafka();
    const view = await fetchClusterView(admin);
    const result: ThrottlesResult = { throttles: view.throttles, dryRun: flags['dry-run'], cleared: null };
    const empty = view.throttles.brokers.length === 0 && view.throttles.topics.length === 0;
    if (flags.clear && !flags['dry-run'] && !empty) {
      this.reporter.event(renderThrottles(view.throttles));
      await this.confirmOrStop(questions.throttlesClear, flags.yes);
      result.cleared = await clearThrottles(admin, 'all');
    }
    this.print(result, flags.output, renderThrottlesResult);
    return result;
  }
}

function renderThrottles(throttles: ThrottleState): string {
  if (throttles.brokers.length === 0 && throttles.topics.length === 0) return noThrottles();
  const parts: string[] = [];
  if (throttles.brokers.length > 0) {
    parts.push(
      renderTable(
        ['broker', 'leader rate', 'follower rate'],
        throttles.brokers.map((b) => [
          String(b.id),
          b.leaderRate === null ? '-' : formatRate(b.leaderRate),
          b.followerRate === null ? '-' : formatRate(b.followerRate),
        ]),
      ),
    );
  }
  if (throttles.topics.length > 0) {
    if (parts.length > 0) parts.push('');
    parts.push(
      renderTable(
        ['topic', 'leader replicas', 'follower replicas'],
        throttles.topics.map((t) => [t.topic, t.leaderReplicas ?? '-', t.followerReplicas ?? '-']),
      ),
    );
  }
  return parts.join('\n');
}

function renderThrottlesResult(result: ThrottlesResult): string {
  if (result.cleared !== null) {
    return throttlesRemoved(result.cleared);
  }
  const listed = renderThrottles(result.throttles);
  const empty = result.throttles.brokers.length === 0 && result.throttles.topics.length === 0;
  return result.dryRun && !empty ? throttlesDryRun(listed) : listed;
}
