/**
 * Shell completion for `kubectl kafka` through kubectl's plugin completion
 * (kubectl 1.26+, kubernetes#105867): kubectl runs the executable
 * `kubectl_complete-kafka` (bin/) with the words after `kubectl kafka`, the
 * last one being the word under the cursor ("" for a new one), and reads one
 * candidate per line, then `:DIRECTIVE` (cobra's ShellCompDirective; 4 = no
 * file names). It completes commands, broker pods, broker ids (`--broker`)
 * and nodes (`--node`, `--to-node`). It never fails aloud: with no cluster,
 * no policy or no permission it offers nothing.
 */
import { readdirSync } from 'node:fs';
import { KubeCluster, loadKubeSession } from '../shared/k8s/cluster.js';
import { buildBrokerDirectory } from '../shared/k8s/identity.js';
import { selectorToString } from '../shared/k8s/selector.js';
import { parsePolicy } from '../shared/policy/parse.js';
import type { KafkaGuardPolicy } from '../shared/policy/types.js';

/** cobra's ShellCompDirectiveNoFileComp: offer these words, never file names. */
export const NO_FILE_COMPLETION = 4;

/** Commands (and topics, with their subcommands), as in plugin/commands. */
export type CommandTree = ReadonlyMap<string, readonly string[]>;

/** Commands whose argument is a broker pod. */
const POD_COMMANDS = new Set(['can-disrupt', 'drain', 'move', 'restart', 'maintenance start', 'maintenance end']);
const BROKER_FLAGS = new Set(['--broker']);
const NODE_FLAGS = new Set(['--node', '--to-node']);
/** Flags that take a value, so the word after them is not an argument. */
const VALUE_FLAGS = new Set([
  '--kubeconfig', '--context', '-n', '--namespace', '--policy', '--bootstrap-server', '-o', '--output',
  '--broker', '--node', '--to-node', '--throttle', '--max-moves-per-broker', '--timeout', '--max-disk-usage',
  '--replicas', '--storage', '--template', '--image', '--evict-timeout', '--wait', '--online-resize-wait', '--brokers',
]);

export type Completion =
  | { kind: 'words'; words: string[] }
  | { kind: 'pods' }
  | { kind: 'brokers'; prefix: string }
  | { kind: 'nodes'; prefix: string }
  | { kind: 'none' };

/** What the word under the cursor should be, from the words before it. Pure. */
export function whatToComplete(args: readonly string[], commands: CommandTree): Completion {
  const before = args.slice(0, -1);
  const current = args.at(-1) ?? '';
  const previous = before.at(-1);
  const assigned = /^(--[\w-]+)=/.exec(current)?.[1];
  if (assigned !== undefined && BROKER_FLAGS.has(assigned)) return { kind: 'brokers', prefix: `${assigned}=` };
  if (assigned !== undefined && NODE_FLAGS.has(assigned)) return { kind: 'nodes', prefix: `${assigned}=` };
  if (previous !== undefined && BROKER_FLAGS.has(previous)) return { kind: 'brokers', prefix: '' };
  if (previous !== undefined && NODE_FLAGS.has(previous)) return { kind: 'nodes', prefix: '' };
  if (current.startsWith('-')) return { kind: 'none' };
  const positional = positionals(before);
  const [first, second] = positional;
  if (first === undefined) return { kind: 'words', words: [...commands.keys()].sort() };
  const subcommands = commands.get(first);
  if (subcommands === undefined) return { kind: 'none' };
  if (subcommands.length > 0 && second === undefined) return { kind: 'words', words: [...subcommands].sort() };
  const command = subcommands.length > 0 ? `${first} ${second}` : first;
  const argumentsGiven = positional.length - (subcommands.length > 0 ? 2 : 1);
  return POD_COMMANDS.has(command) && argumentsGiven === 0 ? { kind: 'pods' } : { kind: 'none' };
}

/** The words that are neither flags nor flag values. */
function positionals(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word.startsWith('-')) {
      if (!word.includes('=') && VALUE_FLAGS.has(word)) i += 1;
      continue;
    }
    out.push(word);
  }
  return out;
}

/** kubectl's connection flags among the words, as the plugin reads them. */
export function connectionOf(args: readonly string[]): { kubeconfig?: string; context?: string; namespace?: string; policy?: string } {
  const out: { kubeconfig?: string; context?: string; namespace?: string; policy?: string } = {};
  const names: Record<string, keyof typeof out> = { '--kubeconfig': 'kubeconfig', '--context': 'context', '-n': 'namespace', '--namespace': 'namespace', '--policy': 'policy' };
  for (let i = 0; i < args.length - 1; i++) {
    const word = args[i] ?? '';
    const [flag, inline] = word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const key = names[flag];
    if (key === undefined) continue;
    const value = inline ?? args[i + 1];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** The lines kubectl reads: the candidates that start with the word typed, then the directive. */
export function formatCompletions(words: readonly string[], current: string): string {
  return [...words.filter((w) => w.startsWith(current)), `:${NO_FILE_COMPLETION}`].join('\n') + '\n';
}

/** The command tree from the compiled commands directory (dist/plugin/commands). */
export function commandTree(directory: string): CommandTree {
  const tree = new Map<string, string[]>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      const subcommands = readdirSync(`${directory}/${entry.name}`).filter(isCommandFile).map(commandName);
      if (subcommands.length > 0) tree.set(entry.name, subcommands);
    } else if (isCommandFile(entry.name)) {
      tree.set(commandName(entry.name), []);
    }
  }
  return tree;
}

const isCommandFile = (name: string) => /\.(js|ts)$/.test(name) && !/\.(test|d)\.(js|ts)$/.test(name);
const commandName = (name: string) => name.replace(/\.(js|ts)$/, '');

/** Broker pods and ids of the namespace's policy (the one --policy names, or the only one). */
async function brokers(args: readonly string[]): Promise<Array<{ pod: string; id: number | undefined }>> {
  const connection = connectionOf(args);
  const session = loadKubeSession(connection);
  const kube = new KubeCluster(session.kc);
  const items = (await kube.listPolicies(session.namespace)).map(parsePolicy).filter((p) => p.ok).map((p) => p.policy);
  const policy: KafkaGuardPolicy | undefined = connection.policy === undefined ? (items.length === 1 ? items[0] : undefined) : items.find((p) => p.metadata.name === connection.policy);
  if (policy === undefined) return [];
  const pods = await kube.listPods(session.namespace, selectorToString(policy.spec.brokers.selector));
  const directory = buildBrokerDirectory(pods, policy.spec.brokers.idFrom);
  return pods
    .map((p) => p.metadata?.name ?? '')
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((pod) => ({ pod, id: directory.byPod.get(pod) }));
}

async function nodes(args: readonly string[]): Promise<string[]> {
  const session = loadKubeSession(connectionOf(args));
  return (await new KubeCluster(session.kc).listNodes()).map((n) => n.metadata?.name ?? '').sort();
}

/** Answers one completion request; `args` are the words after `kubectl kafka`. */
export async function complete(args: readonly string[], commands: CommandTree): Promise<string> {
  const current = args.at(-1) ?? '';
  const want = whatToComplete(args, commands);
  try {
    switch (want.kind) {
      case 'words':
        return formatCompletions(want.words, current);
      case 'pods':
        return formatCompletions((await brokers(args)).map((b) => b.pod), current);
      case 'brokers':
        return formatCompletions((await brokers(args)).flatMap((b) => (b.id === undefined ? [] : [`${want.prefix}${b.id}`])), current);
      case 'nodes':
        return formatCompletions((await nodes(args)).map((n) => `${want.prefix}${n}`), current);
      case 'none':
        return formatCompletions([], current);
    }
  } catch {
    // No kubeconfig, no cluster, no permission: completion offers nothing rather than printing an error into the shell.
    return formatCompletions([], current);
  }
}
