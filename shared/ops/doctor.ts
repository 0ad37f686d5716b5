/**
 * `kubectl kafka doctor`: is kafka-guard installed so that it can guard the
 * brokers? Each check is a pure function from facts gathered beforehand
 * (doctor-facts.ts) to findings: a severity, a one-line finding and its fix.
 * Critical means something is not guarded, or every guarded request is
 * refused; warning means an operation will fail or be refused later; ok says
 * what was checked. Issue 12, section 6.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { BrokerDirectory } from '../k8s/identity.js';
import { matchesSelector, selectorToString } from '../k8s/selector.js';
import type { BrokerInfo, TopicState } from '../kafka/types.js';
import { AclOperation, grantsOperation } from '../kafka/protocol.js';
import type { ParsePolicyResult } from '../policy/parse.js';
import { formatPolicyErrors } from '../policy/parse.js';
import type { LabelSelector } from '../policy/types.js';
import { expendableMatcher } from '../safety/verdict.js';
import { doctorText as text } from './messages.js';

export type Severity = 'critical' | 'warning' | 'ok';
export type DoctorCheck =
  | 'webhooks' | 'endpoint' | 'caBundle' | 'namespaces' | 'policy' | 'brokers'
  | 'pdb' | 'rack' | 'storage' | 'kafkaAccess' | 'topics';

export interface Finding {
  check: DoctorCheck;
  severity: Severity;
  /** What the finding is about: a webhook, a Service, a namespace, a policy `namespace/name`. */
  subject: string;
  finding: string;
  /** What to do; null for ok findings. */
  fix: string | null;
}

const critical = (check: DoctorCheck, subject: string, finding: string, fix: string): Finding => ({ check, severity: 'critical', subject, finding, fix });
const warning = (check: DoctorCheck, subject: string, finding: string, fix: string): Finding => ({ check, severity: 'warning', subject, finding, fix });
const ok = (check: DoctorCheck, subject: string, finding: string): Finding => ({ check, severity: 'ok', subject, finding, fix: null });

// ---------------------------------------------------------------- webhooks

/** Registrations whose absence leaves brokers unguarded (webhook/registration.ts). */
export const GUARD_WEBHOOKS = ['pods.validate.kafkaguard.io', 'statefulsets.validate.kafkaguard.io', 'pvcs.validate.kafkaguard.io'] as const;
/** The other registrations the chart makes. */
export const OTHER_WEBHOOKS = ['nodepools.validate.kafkaguard.io', 'policies.validate.kafkaguard.io', 'defaults.mutate.kafkaguard.io'] as const;
export const POD_GUARD_WEBHOOK = 'pods.validate.kafkaguard.io';
/** The webhook's own decision budget (--decision-deadline-ms default) plus a margin, in seconds. */
export const MIN_VALIDATING_TIMEOUT_SECONDS = 3;
/** Longer than this, a hung webhook stalls every guarded request noticeably. */
export const MAX_VALIDATING_TIMEOUT_SECONDS = 10;

export type ClientConfigFacts =
  | { kind: 'url'; url: string; caBundle: string }
  | { kind: 'service'; namespace: string; name: string; port: number; path: string; caBundle: string };

/** One kafka-guard webhook as registered. */
export interface WebhookFacts {
  configuration: string;
  kind: 'Mutating' | 'Validating';
  name: string;
  /** As the apiserver defaults it: Fail. */
  failurePolicy: string;
  /** As the apiserver defaults it: 10. */
  timeoutSeconds: number;
  clientConfig: ClientConfigFacts;
  namespaceSelector: LabelSelector;
  /** cert-manager's `cert-manager.io/inject-ca-from` annotation on the configuration, or null. */
  injectCaFrom: string | null;
}

/** The address a clientConfig sends requests to, the same for every webhook sharing it. */
export function endpointKey(config: ClientConfigFacts): string {
  if (config.kind === 'url') return new URL(config.url).origin;
  return `service ${config.namespace}/${config.name}:${config.port}`;
}

export function checkWebhooks(webhooks: readonly WebhookFacts[]): Finding[] {
  if (webhooks.length === 0) return [critical('webhooks', 'kafka-guard', text.noWebhooks, text.installFix)];
  const findings: Finding[] = [];
  const names = new Set(webhooks.map((w) => w.name));
  const guardsMissing = GUARD_WEBHOOKS.filter((n) => !names.has(n));
  const othersMissing = OTHER_WEBHOOKS.filter((n) => !names.has(n));
  if (guardsMissing.length > 0) findings.push(critical('webhooks', 'kafka-guard', text.guardsMissing(guardsMissing), text.reinstallFix));
  if (othersMissing.length > 0) findings.push(warning('webhooks', 'kafka-guard', text.othersMissing(othersMissing), text.reinstallFix));
  for (const webhook of webhooks) {
    if (webhook.kind === 'Validating' && webhook.failurePolicy === 'Ignore' && (GUARD_WEBHOOKS as readonly string[]).includes(webhook.name)) {
      findings.push(warning('webhooks', webhook.name, text.guardIgnores(webhook.name), text.guardIgnoresFix));
    }
    if (webhook.kind === 'Mutating' && webhook.failurePolicy === 'Fail') {
      findings.push(warning('webhooks', webhook.name, text.defaultsFail(webhook.name), text.defaultsFailFix));
    }
    if (webhook.kind === 'Validating' && webhook.timeoutSeconds < MIN_VALIDATING_TIMEOUT_SECONDS) {
      findings.push(warning('webhooks', webhook.name, text.timeoutShort(webhook.name, webhook.timeoutSeconds), text.timeoutShortFix(webhook.name)));
    }
    if (webhook.timeoutSeconds > MAX_VALIDATING_TIMEOUT_SECONDS) {
      findings.push(warning('webhooks', webhook.name, text.timeoutLong(webhook.name, webhook.timeoutSeconds), text.timeoutLongFix));
    }
  }
  if (findings.length === 0) findings.push(ok('webhooks', 'kafka-guard', text.webhooksOk(webhooks.length, webhooks.map((w) => w.timeoutSeconds))));
  return findings;
}

// ---------------------------------------------------------------- endpoints and certificates

/** What an HTTPS GET /healthz of the webhook saw. */
export type HealthProbe =
  | { reached: true; status: number; host: string; /** PEM of the certificate the webhook served. */ servingCertificate: string | null }
  | { reached: false; error: string; /** The name does not resolve here: a cluster-internal Service seen from outside. */ outsideCluster: boolean };

export type EndpointFacts =
  | { kind: 'url'; key: string; probe: HealthProbe }
  | { kind: 'service'; key: string; service: string; namespace: string; exists: boolean; readyEndpoints: number; probe: HealthProbe | null };

export function checkEndpoint(endpoint: EndpointFacts): Finding[] {
  const subject = endpoint.key;
  if (endpoint.kind === 'service') {
    if (!endpoint.exists) return [critical('endpoint', subject, text.serviceMissing(endpoint.service), text.serviceMissingFix)];
    if (endpoint.readyEndpoints === 0) return [critical('endpoint', subject, text.noEndpoints(endpoint.service), text.noEndpointsFix(endpoint.namespace))];
  }
  const probe = endpoint.probe;
  if (probe !== null && probe.reached && probe.status !== 200) {
    return [critical('endpoint', subject, text.unhealthy(subject, probe.status), text.unhealthyFix(subject))];
  }
  if (endpoint.kind === 'url' && probe !== null && !probe.reached) {
    return [critical('endpoint', subject, text.urlUnreachable(subject, probe.error), text.urlUnreachableFix)];
  }
  const findings: Finding[] = [];
  if (endpoint.kind === 'service' && endpoint.readyEndpoints === 1) findings.push(warning('endpoint', subject, text.oneEndpoint(endpoint.service), text.oneEndpointFix));
  const details = [
    ...(endpoint.kind === 'service' ? [text.readyEndpoints(endpoint.readyEndpoints)] : []),
    probe?.reached ? text.healthy : text.notFromHere,
  ];
  findings.push(ok('endpoint', subject, text.endpointOk(subject, details.join('; '))));
  return findings;
}

/** Under this many days left, the caBundle's CA is a warning. */
export const CA_WARN_DAYS = 30;
/**
 * Under this many days left, the serving certificate is a warning: cert-manager
 * renews it 15 days before expiry by default (certificates.renewBefore), so
 * fewer than 7 means renewal is not happening.
 */
export const SERVING_WARN_DAYS = 7;
const DAY_MS = 86_400_000;

/** The certificates of a PEM bundle; throws when there is none or one does not parse. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no -----BEGIN CERTIFICATE----- block');
  return blocks.map((block) => new X509Certificate(block));
}

const subjectOf = (certificate: X509Certificate) => certificate.subject.replace(/\n/g, ', ');
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A kafka-guard caBundle (as registered: base64 of PEM) and the webhooks that carry it. */
export interface CaBundleFacts {
  caBundle: string;
  webhooks: string[];
  injectCaFrom: string | null;
  /** The endpoints (endpointKey) these webhooks call, with what each served. */
  endpoints: Array<{ key: string; probe: HealthProbe | null }>;
}

export function checkCaBundle(facts: CaBundleFacts, now: Date): Finding[] {
  const subject = firstWebhook(facts.webhooks);
  if (facts.caBundle === '') {
    return facts.injectCaFrom === null
      ? [critical('caBundle', subject, text.caMissing(facts.webhooks), text.caMissingFix)]
      : [critical('caBundle', subject, text.caNotInjected(facts.webhooks, facts.injectCaFrom), text.caNotInjectedFix(facts.injectCaFrom))];
  }
  let cas: X509Certificate[];
  try {
    cas = parsePemBundle(Buffer.from(facts.caBundle, 'base64').toString('utf8'));
  } catch (error) {
    return [critical('caBundle', subject, text.caUnreadable(facts.webhooks, messageOf(error)), text.caMissingFix)];
  }
  const findings: Finding[] = [];
  for (const ca of cas) {
    const from = new Date(ca.validFrom);
    const to = new Date(ca.validTo);
    const days = (to.getTime() - now.getTime()) / DAY_MS;
    if (now < from) findings.push(critical('caBundle', subject, text.caNotYetValid(subjectOf(ca), from.toISOString()), text.caRenewFix));
    else if (now > to) findings.push(critical('caBundle', subject, text.caExpired(subjectOf(ca), to.toISOString()), text.caRenewFix));
    else if (days < CA_WARN_DAYS) findings.push(warning('caBundle', subject, text.caExpiresSoon(subjectOf(ca), to.toISOString(), days), text.caRenewFix));
    else findings.push(ok('caBundle', subject, text.caOk(subjectOf(ca), to.toISOString(), days)));
  }
  for (const endpoint of facts.endpoints) {
    const probe = endpoint.probe;
    if (probe === null || !probe.reached || probe.servingCertificate === null) continue;
    findings.push(servingCertificateFinding(endpoint.key, probe.host, probe.servingCertificate, cas, now));
  }
  return findings;
}

function servingCertificateFinding(key: string, host: string, pem: string, cas: readonly X509Certificate[], now: Date): Finding {
  let serving: X509Certificate;
  try {
    serving = new X509Certificate(pem);
  } catch (error) {
    return critical('caBundle', key, text.servingUnverified(key, messageOf(error)), text.servingFix);
  }
  const signed = cas.some((ca) => ca.fingerprint256 === serving.fingerprint256 || (serving.checkIssued(ca) && serving.verify(ca.publicKey)));
  if (!signed) return critical('caBundle', key, text.servingUnverified(key, subjectOf(serving)), text.servingFix);
  const named = isIP(host) ? serving.checkIP(host) !== undefined : serving.checkHost(host) !== undefined;
  if (!named) return critical('caBundle', key, text.servingWrongHost(key, host), text.servingFix);
  const to = new Date(serving.validTo);
  const days = (to.getTime() - now.getTime()) / DAY_MS;
  if (now > to) return critical('caBundle', key, text.servingExpired(key, to.toISOString()), text.caRenewFix);
  if (days < SERVING_WARN_DAYS) return warning('caBundle', key, text.servingExpiresSoon(key, to.toISOString(), days), text.caRenewFix);
  return ok('caBundle', key, text.servingOk(key, to.toISOString()));
}

function firstWebhook(webhooks: readonly string[]): string {
  return webhooks[0] ?? 'kafka-guard';
}

/** The webhooks grouped by caBundle, with the endpoints each group calls. */
export function caBundleGroups(webhooks: readonly WebhookFacts[], endpoints: readonly EndpointFacts[]): CaBundleFacts[] {
  const groups = new Map<string, CaBundleFacts>();
  for (const webhook of webhooks) {
    const bundle = webhook.clientConfig.caBundle;
    const group = groups.get(bundle) ?? { caBundle: bundle, webhooks: [], injectCaFrom: webhook.injectCaFrom, endpoints: [] };
    group.webhooks.push(webhook.name);
    const key = endpointKey(webhook.clientConfig);
    if (!group.endpoints.some((e) => e.key === key)) group.endpoints.push({ key, probe: endpoints.find((e) => e.key === key)?.probe ?? null });
    groups.set(bundle, group);
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------- namespaces

export interface NamespaceFacts {
  namespace: string;
  /** The namespace's labels; null when it could not be read (`error` says why). */
  labels: Record<string, string> | null;
  error: string | null;
  policies: string[];
}

export function checkNamespace(facts: NamespaceFacts, webhooks: readonly WebhookFacts[]): Finding[] {
  const guard = webhooks.find((w) => w.name === POD_GUARD_WEBHOOK);
  if (guard === undefined) return []; // checkWebhooks reports it
  const subject = `namespace ${facts.namespace}`;
  if (facts.labels === null) return [warning('namespaces', subject, text.namespaceUnreadable(facts.namespace, facts.error ?? ''), text.labelFix(facts.namespace, guardLabel(guard.namespaceSelector)))];
  if (matchesSelector(facts.labels, guard.namespaceSelector)) return [ok('namespaces', subject, text.namespaceGuarded(facts.namespace))];
  const byName = (guard.namespaceSelector.matchExpressions ?? []).some((r) => r.key === 'kubernetes.io/metadata.name' && r.operator === 'In');
  const fix = byName ? text.listFix(facts.namespace) : text.labelFix(facts.namespace, guardLabel(guard.namespaceSelector));
  return [critical('namespaces', subject, text.namespaceUnguarded(facts.namespace, facts.policies), fix)];
}

/** The `key=value` that makes a namespace match the guard's selector (the chart's guard.label). */
export function guardLabel(selector: LabelSelector): string {
  const [key, value] = Object.entries(selector.matchLabels ?? {})[0] ?? [];
  if (key !== undefined) return `${key}=${value}`;
  const requirement = (selector.matchExpressions ?? []).find((r) => r.operator === 'In' && r.key !== 'kubernetes.io/metadata.name');
  return requirement ? `${requirement.key}=${requirement.values?.[0] ?? ''}` : 'kafkaguard.io/guard=enabled';
}

// ---------------------------------------------------------------- policies and brokers

/** What Kafka told the doctor, for one policy. */
export type KafkaFacts =
  | {
      reachable: true;
      bootstrapServers: string[];
      brokers: BrokerInfo[];
      topics: TopicState[];
      /** AclOperation bit field on the cluster; null when Kafka cannot say (`aclError`). */
      clusterOperations: number | null;
      aclError: string | null;
      /** Per topic, its AclOperation bit field; null where Kafka does not say. */
      topicOperations: Map<string, number | null>;
    }
  | { reachable: false; error: string };

export interface PolicyFacts {
  namespace: string;
  name: string;
  parsed: ParsePolicyResult;
  pods: Array<{ name: string; labels: Record<string, string>; zone: string | null }>;
  /** The PersistentVolumeClaims of the broker pods' data volumes. */
  claims: string[];
  directory: BrokerDirectory | null;
  kafka: KafkaFacts | null;
}

export const policySubject = (facts: Pick<PolicyFacts, 'namespace' | 'name'>) => `policy ${facts.namespace}/${facts.name}`;

export function checkPolicy(facts: PolicyFacts): Finding[] {
  const subject = policySubject(facts);
  if (!facts.parsed.ok) {
    return [critical('policy', subject, text.policyInvalid(formatPolicyErrors(facts.parsed.errors, `${facts.namespace}/${facts.name}`)), text.policyFix(facts.name, facts.namespace))];
  }
  const policy = facts.parsed.policy;
  const findings: Finding[] = [];
  if (policy.spec.mode === 'Off') findings.push(warning('policy', subject, text.modeOff, text.modeOffFix));
  if (policy.spec.mode === 'Warn') findings.push(warning('policy', subject, text.modeWarn, text.modeWarnFix));
  findings.push(...checkBrokers(facts));
  return findings;
}

function checkBrokers(facts: PolicyFacts): Finding[] {
  if (!facts.parsed.ok || facts.directory === null) return [];
  const subject = policySubject(facts);
  const spec = facts.parsed.policy.spec;
  if (facts.pods.length === 0) return [critical('brokers', subject, text.noBrokerPods(selectorToString(spec.brokers.selector), facts.namespace), text.selectorFix)];
  const findings: Finding[] = [];
  const directory = facts.directory;
  if (directory.errors.length > 0) findings.push(critical('brokers', subject, text.idErrors(directory.errors), text.idFix));
  const ids = [...directory.byId.keys()].sort((a, b) => a - b);
  if (facts.kafka?.reachable === true) {
    const registered = facts.kafka.brokers.map((b) => b.id).sort((a, b) => a - b);
    const known = new Set(registered);
    if (ids.length > 0 && registered.length > 0 && ids.every((id) => !known.has(id))) {
      return [...findings, critical('brokers', subject, text.noIdKnown(ids, registered), text.idFix)];
    }
    const unregistered = ids.filter((id) => !known.has(id)).map((id) => podNameOf(directory, id));
    if (unregistered.length > 0) findings.push(warning('brokers', subject, text.unregisteredPods(unregistered), text.unregisteredFix));
    const podless = registered.filter((id) => !directory.byId.has(id));
    if (podless.length > 0) findings.push(warning('brokers', subject, text.podlessBrokers(podless), text.podlessFix));
  }
  if (findings.length === 0) findings.push(ok('brokers', subject, text.brokersOk(ids.map((id) => `${id} ${podNameOf(directory, id)}`))));
  return findings;
}

function podNameOf(directory: BrokerDirectory, id: number): string {
  return directory.byId.get(id)?.metadata?.name ?? `broker ${id}`;
}

// ---------------------------------------------------------------- PodDisruptionBudget

export type PdbFacts =
  | { ok: true; budgets: Array<{ name: string; selector: LabelSelector | null }> }
  | { ok: false; error: string };

export function checkPdb(facts: PolicyFacts, pdbs: PdbFacts): Finding[] {
  if (!facts.parsed.ok || facts.pods.length === 0) return [];
  const subject = policySubject(facts);
  const selector = selectorToString(facts.parsed.policy.spec.brokers.selector);
  if (!pdbs.ok) return [warning('pdb', subject, text.pdbUnreadable(pdbs.error), text.pdbFix(facts.namespace, selector))];
  // A PDB without a selector selects nothing (policy/v1).
  const covering = pdbs.budgets.filter((b) => b.selector !== null && facts.pods.some((p) => matchesSelector(p.labels, b.selector as LabelSelector)));
  const uncovered = facts.pods.filter((p) => !covering.some((b) => matchesSelector(p.labels, b.selector as LabelSelector))).map((p) => p.name);
  if (uncovered.length > 0) return [warning('pdb', subject, text.noPdb(uncovered), text.pdbFix(facts.namespace, selector))];
  return [ok('pdb', subject, text.pdbOk(covering.map((b) => b.name), facts.pods.length))];
}

// ---------------------------------------------------------------- rack

export function checkRack(facts: PolicyFacts): Finding[] {
  if (!facts.parsed.ok || facts.directory === null || facts.pods.length === 0) return [];
  const subject = policySubject(facts);
  if (!facts.parsed.policy.spec.defaults.rackAwareness.enabled || !facts.parsed.policy.spec.defaults.enabled) return [ok('rack', subject, text.rackOff)];
  const findings: Finding[] = [];
  const withoutZone = facts.pods.filter((p) => p.zone === null).map((p) => p.name);
  if (withoutZone.length > 0) findings.push(warning('rack', subject, text.noZoneLabel(withoutZone), text.zoneFix));
  if (facts.kafka?.reachable !== true) return [...findings, ok('rack', subject, text.rackUnknown)];
  const racks = new Map(facts.kafka.brokers.map((b) => [b.id, b.rack]));
  const noRack: string[] = [];
  const mismatch: string[] = [];
  for (const pod of facts.pods) {
    const id = facts.directory.byPod.get(pod.name);
    if (id === undefined || !racks.has(id) || pod.zone === null) continue;
    const rack = racks.get(id) ?? null;
    if (rack === null || rack === '') noRack.push(text.brokerOfPod(id, pod.name));
    else if (rack !== pod.zone) mismatch.push(text.rackOfPod(id, pod.name, rack, pod.zone));
  }
  if (noRack.length > 0) findings.push(warning('rack', subject, text.noRack(noRack), text.rackFix));
  if (mismatch.length > 0) findings.push(warning('rack', subject, text.rackMismatch(mismatch), text.rackFix));
  if (findings.length === 0) findings.push(ok('rack', subject, text.rackOk([...new Set(facts.pods.map((p) => p.zone ?? ''))].sort())));
  return findings;
}

// ---------------------------------------------------------------- storage

export type StorageFacts =
  | {
      ok: true;
      /** Each broker claim and its StorageClass (null: none, a pre-provisioned volume). */
      claims: Array<{ claim: string; storageClass: string | null }>;
      classes: Array<{ name: string; allowVolumeExpansion: boolean }>;
    }
  | { ok: false; error: string };

export function checkStorage(facts: PolicyFacts, storage: StorageFacts): Finding[] {
  if (!facts.parsed.ok || facts.pods.length === 0) return [];
  const subject = policySubject(facts);
  if (!storage.ok) return [warning('storage', subject, text.storageUnreadable(storage.error), text.classMissingFix)];
  if (storage.claims.length === 0) return [ok('storage', subject, text.noClaims)];
  const findings: Finding[] = [];
  const byClass = new Map<string, string[]>();
  const classless: string[] = [];
  for (const { claim, storageClass } of storage.claims) {
    if (storageClass === null || storageClass === '') classless.push(claim);
    else byClass.set(storageClass, [...(byClass.get(storageClass) ?? []), claim]);
  }
  if (classless.length > 0) findings.push(warning('storage', subject, text.claimNoClass(classless), text.classMissingFix));
  const expandable: string[] = [];
  for (const [name, claims] of [...byClass].sort(([a], [b]) => a.localeCompare(b))) {
    const storageClass = storage.classes.find((c) => c.name === name);
    if (storageClass === undefined) findings.push(warning('storage', subject, text.classMissing(name, claims), text.classMissingFix));
    else if (!storageClass.allowVolumeExpansion) findings.push(warning('storage', subject, text.noExpansion(name, claims), text.expansionFix(name)));
    else expandable.push(name);
  }
  if (findings.length === 0) findings.push(ok('storage', subject, text.storageOk(expandable)));
  return findings;
}

// ---------------------------------------------------------------- Kafka access

/** What the webhook reads (every guarded decision) and what the plugin's operations change, on the cluster resource. */
const CLUSTER_READ = [['Describe', AclOperation.DESCRIBE], ['DescribeConfigs', AclOperation.DESCRIBE_CONFIGS]] as const;
const CLUSTER_WRITE = [['Alter', AclOperation.ALTER], ['AlterConfigs', AclOperation.ALTER_CONFIGS]] as const;

export function checkKafkaAccess(facts: PolicyFacts): Finding[] {
  if (!facts.parsed.ok || facts.kafka === null) return [];
  const subject = policySubject(facts);
  const kafka = facts.kafka;
  if (!kafka.reachable) return [critical('kafkaAccess', subject, text.kafkaUnreachable(kafka.error), text.kafkaUnreachableFix)];
  const principal = text.principalOfPolicy;
  if (kafka.clusterOperations === null) return [warning('kafkaAccess', subject, text.aclsUnknown(kafka.aclError ?? ''), text.aclsUnknownFix)];
  const cluster = kafka.clusterOperations;
  const findings: Finding[] = [];
  const clusterRead = CLUSTER_READ.filter(([, op]) => !grantsOperation(cluster, op)).map(([name]) => name);
  const clusterWrite = CLUSTER_WRITE.filter(([, op]) => !grantsOperation(cluster, op)).map(([name]) => name);
  const topics = [...kafka.topicOperations].filter(([, ops]) => ops !== null) as Array<[string, number]>;
  const topicsRead = topics.filter(([, ops]) => !grantsOperation(ops, AclOperation.DESCRIBE_CONFIGS)).map(([name]) => name).sort();
  const topicsWrite = topics.filter(([, ops]) => !grantsOperation(ops, AclOperation.ALTER_CONFIGS)).map(([name]) => name).sort();
  if (clusterRead.length > 0) findings.push(critical('kafkaAccess', subject, text.clusterReadDenied(clusterRead), text.readAclFix(principal)));
  if (topicsRead.length > 0) findings.push(critical('kafkaAccess', subject, text.topicsReadDenied(topicsRead), text.readAclFix(principal)));
  if (clusterWrite.length > 0) findings.push(warning('kafkaAccess', subject, text.clusterWriteDenied(clusterWrite), text.writeAclFix(principal)));
  if (topicsWrite.length > 0) findings.push(warning('kafkaAccess', subject, text.topicsWriteDenied(topicsWrite), text.writeAclFix(principal)));
  if (findings.length === 0) findings.push(ok('kafkaAccess', subject, text.kafkaOk(kafka.bootstrapServers, kafka.topics.length)));
  return findings;
}

// ---------------------------------------------------------------- topics

export function checkTopics(facts: PolicyFacts): Finding[] {
  if (!facts.parsed.ok || facts.kafka === null) return [];
  const subject = policySubject(facts);
  if (!facts.kafka.reachable) return [ok('topics', subject, text.topicsUnknown)];
  const expendable = expendableMatcher(facts.parsed.policy.spec.expendableTopics);
  const soleReplica: string[] = [];
  const minIsrAtRf: string[] = [];
  const topics = facts.kafka.topics.filter((t) => !t.internal && !expendable(t.name));
  for (const topic of topics) {
    const rf = Math.min(...topic.partitions.map((p) => p.replicas.length));
    if (!Number.isFinite(rf)) continue;
    if (rf <= 1) soleReplica.push(topic.name);
    else if (topic.minInsyncReplicas >= rf) minIsrAtRf.push(text.topicReplication(topic.name, rf, topic.minInsyncReplicas));
  }
  const findings: Finding[] = [];
  if (soleReplica.length > 0) findings.push(warning('topics', subject, text.soleReplicaTopics(soleReplica.sort()), text.soleReplicaFix));
  if (minIsrAtRf.length > 0) findings.push(warning('topics', subject, text.minIsrTopics(minIsrAtRf.sort()), text.minIsrFix));
  if (findings.length === 0) findings.push(ok('topics', subject, text.topicsOk(topics.length)));
  return findings;
}

// ---------------------------------------------------------------- all of it

export interface DoctorFacts {
  webhooks: WebhookFacts[];
  endpoints: EndpointFacts[];
  namespaces: NamespaceFacts[];
  policies: Array<{ policy: PolicyFacts; pdbs: PdbFacts; storage: StorageFacts }>;
  /** Where policies were looked for, for the "no policy" finding. */
  scope: string;
}

export interface DoctorResult {
  findings: Finding[];
  critical: number;
  warnings: number;
}

/** Every check over the gathered facts, in the order a person fixes things. */
export function diagnose(facts: DoctorFacts, now: Date): DoctorResult {
  const findings: Finding[] = [
    ...checkWebhooks(facts.webhooks),
    ...facts.endpoints.flatMap(checkEndpoint),
    ...caBundleGroups(facts.webhooks, facts.endpoints).flatMap((group) => checkCaBundle(group, now)),
    ...facts.namespaces.flatMap((ns) => checkNamespace(ns, facts.webhooks)),
  ];
  if (facts.policies.length === 0) findings.push(critical('policy', facts.scope, text.noPolicies(facts.scope), text.noPoliciesFix));
  for (const { policy, pdbs, storage } of facts.policies) {
    findings.push(
      ...checkPolicy(policy),
      ...checkPdb(policy, pdbs),
      ...checkRack(policy),
      ...checkStorage(policy, storage),
      ...checkKafkaAccess(policy),
      ...checkTopics(policy),
    );
  }
  return {
    findings,
    critical: findings.filter((f) => f.severity === 'critical').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}
