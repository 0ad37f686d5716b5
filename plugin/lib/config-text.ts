/**
 * The user-facing text of `kubectl kafka config get|diff|set`: help, examples
 * and how results print as tables. Kept in one file so it can join the
 * plugin's other messages.
 */
import type { ConfigDiffRow, ConfigRow, KeyPlan } from '../../shared/plan/config.js';
import type { LiveOutcome, RollOutcome } from '../../shared/ops/config.js';
import { renderTable } from '../output/table.js';
import { formatDuration } from './units.js';

export const TARGET_FLAG_TEXT = {
  broker: 'One broker, by id: its own (per-broker) value.',
  clusterDefault: 'The cluster-wide default every broker takes unless it has its own value (static keys: the StatefulSet, for every broker).',
};

export const GET_TEXT = {
  summary: "Show broker settings: each broker's value in force, where it comes from, and whether Kafka changes it live.",
  description: `Asks every running broker (DescribeConfigs with synonyms). Without KEYs, shows the settings that are not Kafka's defaults. SOURCE says which level the value comes from: broker (dynamic), cluster default (dynamic), server.properties (static, e.g. from the StatefulSet's env) or Kafka default. MODE dynamic: \`config set\` changes it live; static: a change restarts the brokers, one at a time.`,
  examples: [
    { description: 'Settings that are not defaults, on every broker', command: 'kubectl kafka config get' },
    { description: 'Two keys on broker 1', command: 'kubectl kafka config get log.retention.ms num.partitions --broker 1' },
    { description: 'The cluster-wide dynamic defaults', command: 'kubectl kafka config get --cluster-default' },
  ],
};

export const DIFF_TEXT = {
  summary: 'Show what differs between brokers, and between each broker and the cluster default or the StatefulSet.',
  description: `Lists the keys whose value differs between running brokers, a broker whose own dynamic value overrides the cluster default, and a value in the StatefulSet's broker env that a broker does not run (it takes it at its next restart, or a dynamic value wins over it). Exit 0 whether or not anything differs.`,
  examples: [
    { description: 'Everything that differs', command: 'kubectl kafka config diff' },
    { description: 'As JSON', command: 'kubectl kafka config diff -o json' },
  ],
};

export const SET_TEXT = {
  summary: 'Change broker settings: live where Kafka allows, by a guarded rolling restart of only the affected brokers where it does not.',
  description: `Each KEY=VALUE is checked against what the running brokers say about it:
- Dynamic keys are applied live with IncrementalAlterConfigs, after Kafka checked them (ValidateOnly): a value Kafka rejects changes nothing and prints Kafka's message. No pod restarts.
- Static (read-only) keys are set in the StatefulSet's broker container env (by the policy's spec.defaults.kafkaSettings.envConvention: KAFKA_<KEY> for apache/kafka, KAFKA_CFG_<KEY> for Bitnami). Only the brokers whose value changes are restarted, one at a time, active controller last, each fully back in sync before the next (the guarded restart) and checked to run the new value. Static keys take --cluster-default: one pod template serves every broker.

Refused, with nothing changed: unknown keys (close names are suggested), values of the wrong type, passwords, and keys kafka-guard never changes (identity, listeners, log dirs, quorum, rack, security; docs/plugin.md lists them). --dry-run prints, per key, live or restart and which brokers. An interrupted restart is finished by running the same command again.

Exit codes: 0 done (or nothing to change), 1 refused, 2 usage error, 3 Kafka or the apiserver unreachable.`,
  examples: [
    { description: 'Show how a change would be made, and change nothing', command: 'kubectl kafka config set log.retention.ms=259200000 --cluster-default --dry-run' },
    { description: 'A dynamic key for every broker, live', command: 'kubectl kafka config set log.retention.ms=259200000 --cluster-default --yes' },
    { description: 'A dynamic key on one broker', command: 'kubectl kafka config set num.io.threads=16 --broker 2' },
    { description: 'Remove a per-broker value (the cluster default applies again)', command: 'kubectl kafka config set --unset num.io.threads --broker 2' },
    { description: 'A static key: StatefulSet env, then a guarded roll', command: 'kubectl kafka config set queued.max.requests=1000 --cluster-default --yes' },
  ],
};

export function renderConfigRows(rows: readonly ConfigRow[]): string {
  if (rows.length === 0) return 'no such settings';
  return renderTable(['KEY', 'BROKER', 'VALUE', 'SOURCE', 'MODE'], rows.map((r) => [r.key, r.scope, r.value ?? '-', r.source, r.mode]));
}

export function renderDiffRows(rows: readonly ConfigDiffRow[]): string {
  if (rows.length === 0) return 'no differences: every broker runs the same settings, and the StatefulSet agrees';
  const lines: string[] = [];
  for (const row of rows) {
    lines.push(`${row.key}:`);
    for (const d of row.differences) lines.push(`  ${d}`);
  }
  return lines.join('\n');
}

const valueText = (k: KeyPlan) => (k.value === null ? '(unset)' : k.value);

const howText = (k: KeyPlan) => (k.mode === 'live' ? 'live' : k.mode === 'restart' ? 'restart' : 'unchanged');

export function renderSetPlan(target: string, dryRun: boolean, keys: readonly KeyPlan[], restartBrokers: readonly number[], statefulSet: string | null): string {
  const lines = [`${dryRun ? 'plan (dry run, nothing changes)' : 'plan'}: ${target}`];
  lines.push(
    renderTable(
      ['KEY', 'VALUE', 'HOW', 'BROKERS', 'NOW'],
      keys.map((k) => [
        k.key,
        valueText(k),
        howText(k),
        k.brokers.length > 0 ? k.brokers.join(',') : '-',
        [...new Set(Object.values(k.before).map((v) => v ?? '-'))].join(' / '),
      ]),
    ),
  );
  for (const k of keys) for (const w of k.warnings) lines.push(`warning: ${w}`);
  const restart = keys.filter((k) => k.mode === 'restart');
  if (restart.length > 0) {
    lines.push(
      `static: ${restart.map((k) => `${k.envName ?? ''}=${k.value ?? ''}`).join(', ')} in StatefulSet ${statefulSet ?? '?'}; ` +
        (restartBrokers.length === 0
          ? 'every broker already runs it: no restart'
          : `then a guarded restart of broker(s) ${restartBrokers.join(', ')}, one at a time, active controller last, full ISR before the next`),
    );
  }
  if (keys.every((k) => k.mode === 'unchanged')) lines.push('nothing to change');
  return lines.join('\n');
}

export function renderSetOutcome(live: LiveOutcome | null, roll: RollOutcome | null): string {
  const lines: string[] = [];
  if (live && live.keys.length > 0) lines.push(`live: ${live.keys.join(', ')} in force on every broker after ${formatDuration(live.durationMs)}; no pod restarted`);
  if (roll && (roll.steps.length > 0 || roll.relabelled.length > 0)) {
    lines.push(`StatefulSet ${roll.statefulSet}: ${roll.steps.length} broker(s) restarted in ${formatDuration(roll.durationMs)}`);
    if (roll.steps.length > 0) {
      lines.push(
        renderTable(
          ['BROKER', 'POD', 'POD DOWN', 'BACK IN SYNC'],
          roll.steps.map((s) => [String(s.broker), s.pod, formatDuration(s.podDownMs), formatDuration(s.totalMs)]),
        ),
      );
    }
    if (roll.relabelled.length > 0) lines.push(`not restarted (already running the value): ${roll.relabelled.join(', ')}`);
  }
  return lines.join('\n');
}
