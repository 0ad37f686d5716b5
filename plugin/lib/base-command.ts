/**
 * What every `kubectl kafka` command shares: kubectl's connection flags, the
 * policy and Kafka flags, `-o`, the session, printing results, exit codes,
 * and Ctrl-C handling. Commands stay thin: parse flags, call lib/ and
 * shared/, return a typed result.
 */
import { Command, Flags } from '@oclif/core';
import { formatResult, OUTPUT_FORMATS, type OutputFormat } from '../output/format.js';
import { confirm, isInteractive } from '../output/confirm.js';
import { createReporter, type Reporter } from '../output/progress.js';
import { ExitCode, exitCodeOf, InterruptedError, messageOf, RefusedError, UsageError } from './errors.js';
import { ledgerLocation } from '../../shared/k8s/ledger.js';
import { openClusterConnection, openSession, Session, type ClusterConnection, type SessionOptions } from './session.js';
import type { KafkaGuardPolicy } from '../../shared/policy/types.js';
import { parseDuration, parseRate } from './units.js';
import { DEFAULT_MAX_DISK_USAGE_PERCENT, parseMaxDiskUsage } from '../../shared/safety/disk.js';
import { bootstrapServersInvalid, errorLine, flagInvalid, interruptReason, interruptReceived, notConfirmed } from '../messages.js';

export const CONNECTION_GROUP = 'CONNECTION';

/** kubectl's connection flags and the policy and Kafka flags, as parsed. */
export interface ConnectionFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  policy?: string | undefined;
  'bootstrap-server'?: string | undefined;
  verbose?: boolean;
}

export abstract class KafkaCommand extends Command {
  static override baseFlags = {
    kubeconfig: Flags.string({
      description: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).',
      helpGroup: CONNECTION_GROUP,
    }),
    context: Flags.string({ description: 'The kubeconfig context to use (default: the current context).', helpGroup: CONNECTION_GROUP }),
    namespace: Flags.string({
      char: 'n',
      description: "Namespace of the Kafka cluster's KafkaGuardPolicy (default: the context's namespace).",
      helpGroup: CONNECTION_GROUP,
    }),
    policy: Flags.string({ description: 'The KafkaGuardPolicy to use when the namespace has several.', helpGroup: CONNECTION_GROUP }),
    'bootstrap-server': Flags.string({
      description: "Kafka addresses host:port[,host:port...] to use instead of the policy's (e.g. when running outside the cluster).",
      helpGroup: CONNECTION_GROUP,
    }),
    output: Flags.string({ char: 'o', description: 'Output format.', options: [...OUTPUT_FORMATS], default: 'table' }),
    verbose: Flags.boolean({ description: 'Print Kafka client warnings to stderr.', default: false }),
  };

  protected session: Session | null = null;
  protected reporter: Reporter = createReporter();
  private interruptCleanup: (() => void) | null = null;
  private verbose = false;

  /** Connects with the parsed base flags. */
  protected async connect(flags: ConnectionFlags): Promise<Session> {
    this.session = await openSession(this.sessionOptions(flags));
    return this.session;
  }

  /**
   * The apiserver only, without choosing a policy (doctor looks at every
   * policy, and at none); `sessionFor` then opens a policy's Kafka as
   * `connect` would. The caller closes those sessions.
   */
  protected openCluster(flags: ConnectionFlags): { cluster: ClusterConnection; sessionFor: (policy: KafkaGuardPolicy) => Session } {
    const options = this.sessionOptions(flags);
    const cluster = openClusterConnection(options);
    return { cluster, sessionFor: (policy) => new Session(cluster.kube, policy.metadata.namespace, cluster.context, policy, options) };
  }

  private sessionOptions(flags: ConnectionFlags): SessionOptions {
    const bootstrap = flags['bootstrap-server'];
    if (bootstrap !== undefined && bootstrap.split(',').some((entry) => !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/.test(entry.trim()))) {
      throw new UsageError(bootstrapServersInvalid(bootstrap));
    }
    this.verbose = flags.verbose === true;
    return {
      ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
      ...(flags.context === undefined ? {} : { context: flags.context }),
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ...(flags.policy === undefined ? {} : { policy: flags.policy }),
      ...(bootstrap === undefined ? {} : { bootstrapServers: bootstrap.split(',').map((s) => s.trim()) }),
      verbose: flags.verbose === true,
      warn: (line) => this.reporter.event(line),
      ledger: ledgerLocation(process.env),
    };
  }

  /** Prints the result in the chosen format on stdout. */
  protected print<T>(result: T, format: string, table: (result: T) => string): void {
    this.reporter.flush();
    process.stdout.write(formatResult(result, format as OutputFormat, table));
  }

  /**
   * Asks before a change, on a terminal only; --yes skips the question.
   * Declining changes nothing and exits 1.
   */
  protected async confirmOrStop(question: string, yes: boolean): Promise<void> {
    if (yes || !isInteractive()) return;
    this.reporter.flush();
    if (!(await confirm(question))) throw new RefusedError(notConfirmed());
  }

  /**
   * An AbortSignal that the first Ctrl-C aborts (with an InterruptedError as
   * reason), so running steps stop and clean up (throttles are cleared in
   * their finally blocks) and the command exits 130. A second Ctrl-C exits at once.
   */
  protected interruptSignal(): AbortSignal {
    const controller = new AbortController();
    let count = 0;
    const onSigint = () => {
      count += 1;
      if (count === 1) {
        this.reporter.event(interruptReceived());
        controller.abort(new InterruptedError(interruptReason()));
      } else {
        process.exit(ExitCode.interrupted);
      }
    };
    process.on('SIGINT', onSigint);
    this.interruptCleanup = () => process.off('SIGINT', onSigint);
    return controller.signal;
  }

  override async catch(error: Error & { oclif?: { exit?: number } }): Promise<void> {
    // oclif's own exits (this.exit) and parse errors carry their exit code already.
    if (error.oclif?.exit !== undefined) throw error;
    this.reporter.flush();
    const code = exitCodeOf(error);
    process.stderr.write(errorLine(messageOf(error)));
    if (this.verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    this.exit(code);
  }

  override async finally(error: Error | undefined): Promise<void> {
    this.interruptCleanup?.();
    this.reporter.flush();
    await this.session?.close().catch(() => undefined);
    await super.finally(error);
  }
}

/** Flags of the commands that change something. */
export const mutatingFlags = {
  'dry-run': Flags.boolean({ description: 'Print the plan and change nothing.', default: false }),
  yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation (it is only asked on a terminal).', default: false }),
};

/** Flags of the commands that move data. */
export const reassignmentFlags = {
  throttle: Flags.string({
    description: 'Replication throttle while data moves, e.g. 50MiB/s (default: none). Set only on the brokers and replicas being moved.',
  }),
  'max-moves-per-broker': Flags.integer({
    description: 'Most replicas any broker gains or loses per batch.',
    default: 10,
    min: 1,
  }),
  timeout: Flags.string({ description: 'How long one batch may take to get in sync, e.g. 30m, 2h.', default: '6h' }),
  'max-disk-usage': Flags.string({
    description: 'Most a broker that receives replicas may fill of its disk, in percent (1-100); the plan is refused when it cannot stay below.',
    default: String(DEFAULT_MAX_DISK_USAGE_PERCENT),
  }),
};

/** Validates the data-moving flags before anything else happens (exit 2, nothing changed). */
export function parseReassignmentFlags(flags: { throttle?: string | undefined; timeout: string; 'max-disk-usage'?: string }): {
  throttleBytesPerSecond: number | null;
  timeoutMs: number;
  maxDiskUsagePercent: number;
} {
  let throttleBytesPerSecond: number | null = null;
  if (flags.throttle !== undefined) {
    const rate = parseRate(flags.throttle);
    if (!rate.ok) throw new UsageError(flagInvalid('--throttle', rate.error));
    throttleBytesPerSecond = rate.value;
  }
  const timeout = parseDuration(flags.timeout);
  if (!timeout.ok) throw new UsageError(flagInvalid('--timeout', timeout.error));
  const maxDiskUsage = parseMaxDiskUsage(flags['max-disk-usage'] ?? String(DEFAULT_MAX_DISK_USAGE_PERCENT));
  if (!maxDiskUsage.ok) throw new UsageError(flagInvalid('--max-disk-usage', maxDiskUsage.error));
  return { throttleBytesPerSecond, timeoutMs: timeout.value, maxDiskUsagePercent: maxDiskUsage.value };
}
