/**
 * Every word `kubectl kafka resize` shows: help, the plan, progress headers,
 * the result and the interruption note (one place, so it can be folded into
 * the plugin's messages module).
 */
import type { ClaimPlan } from '../../shared/plan/resize.js';
import type { ResizeOutcome } from '../../shared/ops/resize.js';
import { RESIZE_CONFIGMAP } from '../../shared/ops/resize.js';
import { renderTable } from '../output/table.js';
import { formatDuration } from './units.js';

export const RESIZE_HELP = {
  summary: 'Grow the volumes of a broker StatefulSet: claims, template and file systems, restarting only the brokers that need it.',
  description: `A StatefulSet's volumeClaimTemplates cannot be changed in place (kubernetes#69041). resize:

1. checks that the StorageClass of every broker claim allows expansion (allowVolumeExpansion), and refuses a smaller size (Kubernetes never shrinks a volume);
2. grows every broker claim's spec.resources.requests.storage;
3. re-creates the StatefulSet with the larger volumeClaimTemplate: its manifest is recorded in the ConfigMap ${RESIZE_CONFIGMAP} first, then it is deleted with --cascade=orphan (no pod is touched) and created again with the same pod template, so its pods are adopted as they are;
4. waits for each claim: its capacity reaches the new size, or it shows FileSystemResizePending (the volume grew, its file system grows on the node) for longer than --online-resize-wait;
5. restarts, guarded (one at a time, active controller last, full ISR before the next), only the brokers whose claims are still pending, and waits for their file systems.

Interrupted at any point, the same command again picks up where it stopped; killed between the delete and the create, it creates the StatefulSet again from the record. The size it has now is nothing to do (exit 0); a smaller one is refused (exit 1). Afterwards put the new size in your manifests or Helm values too.`,
  examples: [
    { description: 'Grow every broker volume to 20Gi', command: 'kubectl kafka resize kafka --storage 20Gi' },
    { description: 'Show the claims, sizes and what may restart; change nothing', command: 'kubectl kafka resize kafka --storage 20Gi --dry-run' },
    { description: 'A StatefulSet with several volumeClaimTemplates (JBOD): one at a time', command: 'kubectl kafka resize kafka --storage 500Gi --template logs-1 --yes' },
    { description: 'A driver that cannot grow a mounted file system: restart at once', command: 'kubectl kafka resize kafka --storage 20Gi --online-resize-wait 1s --yes -o json' },
  ],
  flags: {
    storage: 'The new size of every broker volume, a Kubernetes quantity (e.g. 20Gi); larger than now.',
    template: 'The volumeClaimTemplate to grow (default: the only one).',
    onlineResizeWait: 'How long a claim may wait with FileSystemResizePending while its pod runs (kubelets grow mounted file systems online when the driver can) before its broker is restarted for it.',
    timeout: 'How long each wait (a claim, a broker restart, the StatefulSet deletion) may take.',
  },
  confirm: (statefulSet: string, storage: string) => `Resize the volumes of StatefulSet ${statefulSet} to ${storage}?`,
};

export interface ResizePlanView {
  statefulSet: string;
  template: string;
  storage: string;
  templateFrom: string | null;
  templateTo: string;
  templateStep: 'recreate' | 'create-from-record' | 'unchanged';
  claims: ClaimPlan[];
  /** Pods that restart only if their claim still shows FileSystemResizePending after --online-resize-wait. */
  mayRestart: string[];
  /** Pods whose claims already wait for a restart (an earlier run). */
  restartPending: string[];
}

const ACTION_TEXT: Record<ClaimPlan['action'], string> = {
  expand: 'grows',
  resizing: 'growing (asked for before)',
  done: 'done',
  absent: 'no claim yet: made at the new size',
};

export function renderResizePlan(view: ResizePlanView, dryRun: boolean, onlineResizeWaitMs: number): string {
  const lines = [`${dryRun ? 'plan (dry run, nothing changes)' : 'plan'}: grow the volumes of StatefulSet ${view.statefulSet} (template ${view.template}) to ${view.storage}`];
  lines.push(
    renderTable(
      ['claim', 'pod', 'broker', 'class', 'now', 'to', ''],
      view.claims.map((c) => [c.claim, c.pod, c.broker === null ? '?' : String(c.broker), c.storageClass ?? '-', c.from ?? '-', c.to, ACTION_TEXT[c.action]]),
    ),
  );
  const step = {
    recreate: `re-create StatefulSet ${view.statefulSet} with template ${view.template} at ${view.templateTo} (now ${view.templateFrom ?? '?'}): recorded in ConfigMap ${RESIZE_CONFIGMAP}, deleted with --cascade=orphan, created again; no pod restarts for this`,
    'create-from-record': `create StatefulSet ${view.statefulSet} again from ConfigMap ${RESIZE_CONFIGMAP} (an earlier run deleted it and was stopped)`,
    unchanged: `StatefulSet ${view.statefulSet}: template ${view.template} is ${view.templateTo} already`,
  }[view.templateStep];
  lines.push(`statefulset: ${step}`);
  if (view.restartPending.length > 0) lines.push(`restart:     ${view.restartPending.join(', ')} (their claims wait for it), guarded, one at a time, controller last`);
  const others = view.mayRestart.filter((p) => !view.restartPending.includes(p));
  if (others.length > 0) {
    lines.push(
      `restart:     ${view.restartPending.length > 0 ? 'also ' : ''}those of ${others.join(', ')} whose claim still shows FileSystemResizePending ` +
        `${formatDuration(onlineResizeWaitMs)} after its volume grew (the node could not grow the mounted file system); guarded, one at a time`,
    );
  }
  return lines.join('\n');
}

export function renderResizeResult(statefulSet: string, storage: string, outcome: ResizeOutcome): string {
  const lines = [`StatefulSet ${statefulSet}: volumes at ${storage} in ${formatDuration(outcome.durationMs)}${outcome.recreated ? ' (StatefulSet re-created, no pod restarted for it)' : ''}`];
  const how = { already: 'already', online: 'online, pod untouched', restart: 'after a guarded restart' };
  lines.push(renderTable(['claim', 'pod', 'capacity', 'file system grown'], outcome.claims.map((c) => [c.claim, c.pod, c.capacity ?? '?', how[c.finished]])));
  if (outcome.restarted.length > 0) {
    lines.push(`restarted: ${outcome.restarted.map((s) => `${s.pod} (back in sync after ${formatDuration(s.totalMs)})`).join(', ')}`);
  }
  lines.push(`next: put ${storage} in the StatefulSet's manifest or Helm values too, or the next apply asks for the old size`);
  return lines.join('\n');
}

export const RESIZE_INTERRUPTED =
  `interrupted: run the same command again to finish; it picks up where this stopped (a StatefulSet deleted ` +
  `and not yet created again is created from ConfigMap ${RESIZE_CONFIGMAP})`;
