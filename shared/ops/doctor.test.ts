import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildBrokerDirectory } from '../k8s/identity.js';
import { AclOperation } from '../kafka/protocol.js';
import type { TopicState } from '../kafka/types.js';
import { parsePolicy } from '../policy/parse.js';
import { webhookConfigurations } from '../../webhook/registration.js';
import {
  caBundleGroups,
  checkCaBundle,
  checkEndpoint,
  checkKafkaAccess,
  checkNamespace,
  checkPdb,
  checkPolicy,
  checkRack,
  checkStorage,
  checkTopics,
  checkWebhooks,
  diagnose,
  GUARD_WEBHOOKS,
  OTHER_WEBHOOKS,
  type EndpointFacts,
  type Finding,
  type KafkaFacts,
  type PolicyFacts,
  type WebhookFacts,
} from './doctor.js';
import { probeHealth, webhookFacts } from './doctor-facts.js';

const severities = (findings: readonly Finding[]) => findings.map((f) => f.severity);
const worst = (findings: readonly Finding[]) =>
  findings.some((f) => f.severity === 'critical') ? 'critical' : findings.some((f) => f.severity === 'warning') ? 'warning' : 'ok';

// ---------------------------------------------------------------- fixtures

/** The registrations as the chart makes them (webhook/registration.ts), turned into facts as the doctor reads them. */
function registeredWebhooks(clientConfig: { url: string; caBundle: string } = { url: 'https://127.0.0.1:8443', caBundle: '' }): WebhookFacts[] {
  const [mutating, validating] = webhookConfigurations({ clientConfig: () => clientConfig, ownNamespace: 'kafka-guard' }) as unknown as Array<{ webhooks: never[] }>;
  return [...webhookFacts('Mutating', 'kafka-guard', null, mutating?.webhooks ?? []), ...webhookFacts('Validating', 'kafka-guard', null, validating?.webhooks ?? [])];
}

const POLICY = {
  apiVersion: 'kafkaguard.io/v1alpha1',
  kind: 'KafkaGuardPolicy',
  metadata: { name: 'kafka', namespace: 'kafka' },
  spec: {
    brokers: { selector: { matchLabels: { app: 'kafka' } }, idFrom: { ordinal: { offset: 0 } } },
    kafka: { bootstrapServers: ['kafka-0.kafka:9092'] },
    expendableTopics: ['scratch-*'],
  },
};

function pod(name: string, zone: string | null, labels: Record<string, string> = { app: 'kafka' }) {
  return {
    metadata: { name, namespace: 'kafka', labels: { ...labels, ...(zone === null ? {} : { 'topology.kubernetes.io/zone': zone }) }, ownerReferences: [{ kind: 'StatefulSet', name: 'kafka' }] },
  };
}

const ALL = (1 << AclOperation.DESCRIBE) | (1 << AclOperation.DESCRIBE_CONFIGS) | (1 << AclOperation.ALTER) | (1 << AclOperation.ALTER_CONFIGS);

function topic(name: string, rf: number, minInsyncReplicas: number, internal = false): TopicState {
  return {
    name, internal, minInsyncReplicas,
    partitions: [{ topic: name, partition: 0, replicas: [0, 1, 2].slice(0, rf), isr: [0, 1, 2].slice(0, rf), leader: 0, offlineReplicas: [], addingReplicas: [], removingReplicas: [] }],
  };
}

function kafka(overrides: Partial<Extract<KafkaFacts, { reachable: true }>> = {}): KafkaFacts {
  return {
    reachable: true,
    bootstrapServers: ['kafka-0.kafka:9092'],
    brokers: [0, 1, 2].map((id) => ({ id, host: `kafka-${id}`, port: 9092, rack: id === 2 ? 'zone-b' : 'zone-a' })),
    topics: [topic('orders', 3, 2)],
    clusterOperations: ALL,
    aclError: null,
    topicOperations: new Map([['orders', ALL]]),
    ...overrides,
  };
}

function policyFacts(options: { policy?: unknown; pods?: ReturnType<typeof pod>[]; kafka?: KafkaFacts | null } = {}): PolicyFacts {
  const parsed = parsePolicy(options.policy ?? POLICY);
  const pods = options.pods ?? [pod('kafka-0', 'zone-a'), pod('kafka-1', 'zone-a'), pod('kafka-2', 'zone-b')];
  return {
    namespace: 'kafka',
    name: 'kafka',
    parsed,
    pods: pods.map((p) => ({ name: p.metadata.name, labels: p.metadata.labels, zone: p.metadata.labels['topology.kubernetes.io/zone'] ?? null })),
    claims: pods.map((p) => `data-${p.metadata.name}`),
    directory: parsed.ok ? buildBrokerDirectory(pods, parsed.policy.spec.brokers.idFrom) : null,
    kafka: options.kafka === undefined ? kafka() : options.kafka,
  };
}

// ---------------------------------------------------------------- webhooks

describe('checkWebhooks', () => {
  test('the doctor knows every registration the chart makes', () => {
    assert.deepEqual(registeredWebhooks().map((w) => w.name).sort(), [...GUARD_WEBHOOKS, ...OTHER_WEBHOOKS].sort());
  });

  const cases: Array<[string, (w: WebhookFacts[]) => WebhookFacts[], string, RegExp]> = [
    ['as the chart registers them', (w) => w, 'ok', /6 webhooks registered.*timeouts 3 s/],
    ['none registered', () => [], 'critical', /no webhook named \*\.kafkaguard\.io/],
    ['the pod guard missing', (w) => w.filter((x) => x.name !== 'pods.validate.kafkaguard.io'), 'critical', /missing: pods\.validate/],
    ['the policy validation missing', (w) => w.filter((x) => x.name !== 'policies.validate.kafkaguard.io'), 'warning', /missing: policies\.validate/],
    ['a guard failing open', (w) => w.map((x) => (x.name === 'pvcs.validate.kafkaguard.io' ? { ...x, failurePolicy: 'Ignore' } : x)), 'warning', /pvcs\.validate.*Ignore/],
    ['the defaults failing closed', (w) => w.map((x) => (x.kind === 'Mutating' ? { ...x, failurePolicy: 'Fail' } : x)), 'warning', /defaults\.mutate.*no broker pod/],
    ['a 2 s validating timeout', (w) => w.map((x) => (x.name === 'pods.validate.kafkaguard.io' ? { ...x, timeoutSeconds: 2 } : x)), 'warning', /timeoutSeconds 2/],
    ['a 30 s timeout', (w) => w.map((x) => (x.name === 'statefulsets.validate.kafkaguard.io' ? { ...x, timeoutSeconds: 30 } : x)), 'warning', /timeoutSeconds 30.*hung/],
  ];
  for (const [name, change, severity, pattern] of cases) {
    test(name, () => {
      const findings = checkWebhooks(change(registeredWebhooks()));
      assert.equal(worst(findings), severity, JSON.stringify(findings));
      assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
      for (const f of findings) assert.equal(f.fix === null, f.severity === 'ok', 'only ok findings come without a fix');
    });
  }

  test('an unset failurePolicy and timeoutSeconds read as the apiserver defaults them (Fail, 10)', () => {
    const [facts] = webhookFacts('Mutating', 'x', null, [{ name: 'defaults.mutate.kafkaguard.io', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: 'https://h' } }]);
    assert.equal(facts?.failurePolicy, 'Fail');
    assert.equal(facts?.timeoutSeconds, 10);
    assert.deepEqual(webhookFacts('Validating', 'other', null, [{ name: 'some.other.io', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: {} }]), []);
  });
});

describe('checkEndpoint', () => {
  const service = (readyEndpoints: number, probe: EndpointFacts['probe'] = { reached: false, error: 'getaddrinfo ENOTFOUND', outsideCluster: true }): Extract<EndpointFacts, { kind: 'service' }> => ({
    kind: 'service', key: 'service kafka-guard/kafka-guard:443', service: 'kafka-guard/kafka-guard', namespace: 'kafka-guard', exists: true, readyEndpoints, probe,
  });
  const cases: Array<[string, EndpointFacts, string[], RegExp]> = [
    ['a Service with two ready endpoints, seen from outside', service(2), ['ok'], /2 ready endpoints; cannot be reached from here/],
    ['a Service with one', service(1), ['warning', 'ok'], /one ready endpoint/],
    ['a Service with none', service(0, null), ['critical'], /no ready endpoint/],
    ['no such Service', { ...service(0, null), exists: false }, ['critical'], /does not exist/],
    ['a Service answering 503', service(2, { reached: true, status: 503, host: 'h', servingCertificate: null }), ['critical'], /HTTP 503/],
    ['a URL that answers', { kind: 'url', key: 'https://127.0.0.1:8443', probe: { reached: true, status: 200, host: '127.0.0.1', servingCertificate: null } }, ['ok'], /answers GET \/healthz/],
    ['a URL that does not', { kind: 'url', key: 'https://127.0.0.1:8443', probe: { reached: false, error: 'connect ECONNREFUSED', outsideCluster: false } }, ['critical'], /ECONNREFUSED/],
  ];
  for (const [name, facts, expected, pattern] of cases) {
    test(name, () => {
      const findings = checkEndpoint(facts);
      assert.deepEqual(severities(findings), expected);
      assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
    });
  }
});

// ---------------------------------------------------------------- certificates

describe('checkCaBundle and the served certificate', () => {
  let dir = '';
  const pem = (name: string) => readFileSync(join(dir, name), 'utf8');
  const b64 = (name: string) => Buffer.from(pem(name)).toString('base64');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  let server: ReturnType<typeof createServer> | null = null;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'doctor-certs-'));
    for (const ca of ['ca', 'other-ca']) {
      openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.crt`]);
    }
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=kafka-guard', '-keyout', 'serving.key', '-out', 'serving.csr']);
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:kafka-guard.kafka-guard.svc\n');
    openssl(['x509', '-req', '-in', 'serving.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '90', '-extfile', 'san.ext', '-out', 'serving.crt']);
    server = createServer({ cert: pem('serving.crt'), key: pem('serving.key') }, (req, res) => {
      res.statusCode = req.url === '/healthz' ? 200 : 404;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const group = (caBundle: string, probe: EndpointFacts['probe'] = null, injectCaFrom: string | null = null) => ({
    caBundle, webhooks: ['pods.validate.kafkaguard.io'], injectCaFrom, endpoints: [{ key: 'https://127.0.0.1', probe }],
  });
  // Certificates are made in before(), so "now" is read when each test runs.
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

  test('a valid CA: ok, with its expiry date', () => {
    const findings = checkCaBundle(group(b64('ca.crt')), inDays(0));
    assert.deepEqual(severities(findings), ['ok']);
    assert.match(findings[0]?.finding ?? '', /CN=ca is valid until \d{4}-\d\d-\d\dT.*\(36[45] days\)/);
  });

  const cases: Array<[string, () => ReturnType<typeof group>, () => Date, string, RegExp]> = [
    ['expiring in under 30 days', () => group(b64('ca.crt')), () => inDays(345), 'warning', /expires at .* in (19|20) days/],
    ['expired', () => group(b64('ca.crt')), () => inDays(400), 'critical', /expired at/],
    ['not valid yet', () => group(b64('ca.crt')), () => inDays(-2), 'critical', /valid only from/],
    ['empty, no cert-manager', () => group(''), () => inDays(0), 'critical', /no caBundle, so the apiserver/],
    ['empty, cert-manager has not injected it', () => group('', null, 'kafka-guard/kafka-guard-tls'), () => inDays(0), 'critical', /not injected it from kafka-guard\/kafka-guard-tls/],
    ['not a certificate', () => group(Buffer.from('hello').toString('base64')), () => inDays(0), 'critical', /not a PEM certificate/],
    ['a corrupt certificate', () => group(Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----').toString('base64')), () => inDays(0), 'critical', /not a PEM certificate/],
  ];
  for (const [name, facts, at, severity, pattern] of cases) {
    test(name, () => {
      const findings = checkCaBundle(facts(), at());
      assert.equal(worst(findings), severity, JSON.stringify(findings));
      assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
    });
  }

  test('probeHealth keeps the served certificate; the CA that signed it verifies it, another CA does not', async () => {
    const probe = await probeHealth(new URL(`https://127.0.0.1:${port}/healthz`), 2000);
    assert.ok(probe.reached && probe.status === 200 && probe.servingCertificate !== null, JSON.stringify(probe));
    const good = checkCaBundle(group(b64('ca.crt'), probe), inDays(0));
    assert.deepEqual(severities(good), ['ok', 'ok']);
    assert.match(good[1]?.finding ?? '', /signed by the caBundle, names its host/);
    const wrong = checkCaBundle(group(b64('other-ca.crt'), probe), inDays(0));
    assert.equal(wrong[1]?.severity, 'critical');
    assert.match(wrong[1]?.finding ?? '', /not signed by the caBundle/);
    const soon = checkCaBundle(group(b64('ca.crt'), probe), inDays(86));
    assert.equal(soon[1]?.severity, 'warning', JSON.stringify(soon));
  });

  test('a certificate that does not name the host the registration uses is critical', async () => {
    const probe = await probeHealth(new URL(`https://127.0.0.1:${port}/healthz`), 2000);
    assert.ok(probe.reached);
    const findings = checkCaBundle(group(b64('ca.crt'), { ...probe, host: 'webhook.example.com' }), inDays(0));
    assert.equal(findings[1]?.severity, 'critical');
    assert.match(findings[1]?.finding ?? '', /does not name webhook\.example\.com/);
  });

  test('probeHealth reports a refused connection without throwing', async () => {
    const probe = await probeHealth(new URL('https://127.0.0.1:1/healthz'), 2000);
    assert.equal(probe.reached, false);
    assert.ok(!probe.reached && /ECONNREFUSED/.test(probe.error));
  });

  test('webhooks sharing a caBundle are checked once, with every endpoint they call', () => {
    const webhooks = registeredWebhooks({ url: 'https://127.0.0.1:8443/validate', caBundle: b64('ca.crt') });
    const groups = caBundleGroups(webhooks, []);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.webhooks.length, 6);
    assert.deepEqual(groups[0]?.endpoints.map((e) => e.key), ['https://127.0.0.1:8443']);
  });
});

// ---------------------------------------------------------------- namespaces

describe('checkNamespace', () => {
  const webhooks = registeredWebhooks();
  const ns = (labels: Record<string, string> | null) => ({ namespace: 'kafka', labels, error: labels === null ? 'forbidden' : null, policies: ['kafka'] });
  test('labelled: ok', () => {
    assert.deepEqual(severities(checkNamespace(ns({ 'kafkaguard.io/guard': 'enabled', 'kubernetes.io/metadata.name': 'kafka' }), webhooks)), ['ok']);
  });
  test('not labelled: critical, and the fix is the kubectl label that guards it', () => {
    const [finding] = checkNamespace(ns({ 'kubernetes.io/metadata.name': 'kafka' }), webhooks);
    assert.equal(finding?.severity, 'critical');
    assert.match(finding?.finding ?? '', /namespace kafka \(policy kafka\) is not selected/);
    assert.equal(finding?.fix, 'kubectl label namespace kafka kafkaguard.io/guard=enabled');
  });
  test('guarded by a list of names (guard.namespaces): the fix names the chart value', () => {
    const byName = webhooks.map((w) => ({ ...w, namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In' as const, values: ['other'] }] } }));
    const [finding] = checkNamespace(ns({ 'kubernetes.io/metadata.name': 'kafka' }), byName);
    assert.equal(finding?.severity, 'critical');
    assert.match(finding?.fix ?? '', /guard\.namespaces/);
  });
  test('unreadable: a warning, not a guess', () => {
    assert.deepEqual(severities(checkNamespace(ns(null), webhooks)), ['warning']);
  });
});

// ---------------------------------------------------------------- policies and brokers

describe('checkPolicy', () => {
  const cases: Array<[string, () => PolicyFacts, string[], RegExp | null]> = [
    ['valid, every broker identified', () => policyFacts(), ['ok'], /3 brokers identified: 0 kafka-0, 1 kafka-1, 2 kafka-2/],
    ['invalid', () => policyFacts({ policy: { ...POLICY, spec: { ...POLICY.spec, kafka: { bootstrapServers: [] } } } }), ['critical'], /is invalid \(1 problem\): - spec\.kafka\.bootstrapServers/],
    ['mode Off', () => policyFacts({ policy: { ...POLICY, spec: { ...POLICY.spec, mode: 'Off' } } }), ['warning', 'ok'], /mode is Off/],
    ['no pod selected', () => policyFacts({ pods: [] }), ['critical'], /selects no pod in namespace kafka/],
    ['a pod without an id', () => policyFacts({ pods: [pod('kafka-0', 'zone-a'), pod('kafka-1', 'zone-a'), pod('kafka-2', 'zone-b'), { metadata: { ...pod('kafka-x', 'zone-a').metadata } }] }), ['critical'], /kafka-x/],
    ['ids Kafka does not know', () => policyFacts({ policy: { ...POLICY, spec: { ...POLICY.spec, brokers: { ...POLICY.spec.brokers, idFrom: { ordinal: { offset: 100 } } } } } }), ['critical'], /\(100, 101, 102\) are none of those Kafka has registered \(0, 1, 2\)/],
    ['a pod whose broker is not registered', () => policyFacts({ kafka: kafka({ brokers: kafka().reachable ? [{ id: 0, host: 'h', port: 1, rack: 'zone-a' }, { id: 1, host: 'h', port: 1, rack: 'zone-a' }] : [] }) }), ['warning'], /not registered with Kafka.*kafka-2/],
    ['a registered broker no pod runs', () => policyFacts({ pods: [pod('kafka-0', 'zone-a'), pod('kafka-1', 'zone-a')] }), ['warning'], /no selected pod runs: 2/],
  ];
  for (const [name, facts, expected, pattern] of cases) {
    test(name, () => {
      const findings = checkPolicy(facts());
      assert.deepEqual(severities(findings), expected, JSON.stringify(findings));
      if (pattern) assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
    });
  }
});

describe('checkPdb', () => {
  const budget = (selector: Record<string, string> | null) => ({ name: 'kafka', selector: selector === null ? null : { matchLabels: selector } });
  const cases: Array<[string, Parameters<typeof checkPdb>[1], string]> = [
    ['a PDB selecting the brokers', { ok: true, budgets: [budget({ app: 'kafka' })] }, 'ok'],
    ['none', { ok: true, budgets: [] }, 'warning'],
    ['one for other pods', { ok: true, budgets: [budget({ app: 'zookeeper' })] }, 'warning'],
    ['one without a selector (selects nothing)', { ok: true, budgets: [budget(null)] }, 'warning'],
    ['not allowed to list them', { ok: false, error: 'forbidden' }, 'warning'],
  ];
  for (const [name, pdbs, severity] of cases) {
    test(name, () => assert.deepEqual(severities(checkPdb(policyFacts(), pdbs)), [severity]));
  }
  test('the fix creates a PDB with the policy\'s selector and maxUnavailable 1', () => {
    assert.equal(checkPdb(policyFacts(), { ok: true, budgets: [] })[0]?.fix, "kubectl create poddisruptionbudget kafka-brokers -n kafka --selector='app=kafka' --max-unavailable=1");
  });
});

describe('checkRack', () => {
  const cases: Array<[string, () => PolicyFacts, string[], RegExp]> = [
    ['every broker.rack is its zone', () => policyFacts(), ['ok'], /zone-a, zone-b/],
    ['a pod without a zone label', () => policyFacts({ pods: [pod('kafka-0', 'zone-a'), pod('kafka-1', null), pod('kafka-2', 'zone-b')] }), ['warning'], /without the topology\.kubernetes\.io\/zone label: kafka-1/],
    ['a broker without broker.rack', () => policyFacts({ kafka: kafka({ brokers: [0, 1, 2].map((id) => ({ id, host: 'h', port: 1, rack: id === 1 ? null : id === 2 ? 'zone-b' : 'zone-a' })) }) }), ['warning'], /without broker\.rack: 1 \(kafka-1\)/],
    ['a rack that is not the zone', () => policyFacts({ kafka: kafka({ brokers: [0, 1, 2].map((id) => ({ id, host: 'h', port: 1, rack: 'zone-a' })) }) }), ['warning'], /2 \(kafka-2\): rack zone-a, zone zone-b/],
    ['rack awareness off', () => policyFacts({ policy: { ...POLICY, spec: { ...POLICY.spec, defaults: { rackAwareness: { enabled: false } } } } }), ['ok'], /rack awareness is off/],
    ['Kafka unreachable', () => policyFacts({ kafka: { reachable: false, error: 'x' } }), ['ok'], /not checked/],
  ];
  for (const [name, facts, expected, pattern] of cases) {
    test(name, () => {
      const findings = checkRack(facts());
      assert.deepEqual(severities(findings), expected, JSON.stringify(findings));
      assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
    });
  }
});

describe('checkStorage', () => {
  const classes = [{ name: 'fast', allowVolumeExpansion: true }, { name: 'fixed', allowVolumeExpansion: false }];
  const claims = (...storageClasses: Array<string | null>) => storageClasses.map((storageClass, i) => ({ claim: `data-kafka-${i}`, storageClass }));
  const cases: Array<[string, Parameters<typeof checkStorage>[1], string[], RegExp]> = [
    ['expandable', { ok: true, claims: claims('fast', 'fast'), classes }, ['ok'], /fast of the broker claims allow/],
    ['not expandable', { ok: true, claims: claims('fast', 'fixed'), classes }, ['warning'], /fixed \(claims data-kafka-1\) has allowVolumeExpansion false/],
    ['a class that does not exist', { ok: true, claims: claims('gone'), classes }, ['warning'], /gone of data-kafka-0 does not exist/],
    ['a claim without a class', { ok: true, claims: claims(null), classes }, ['warning'], /without a StorageClass/],
    ['no claims', { ok: true, claims: [], classes }, ['ok'], /no PersistentVolumeClaim/],
  ];
  for (const [name, storage, expected, pattern] of cases) {
    test(name, () => {
      const findings = checkStorage(policyFacts(), storage);
      assert.deepEqual(severities(findings), expected, JSON.stringify(findings));
      assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
    });
  }
  test('the fix for a class without expansion is the kubectl patch that allows it', () => {
    assert.equal(checkStorage(policyFacts(), { ok: true, claims: claims('fixed'), classes })[0]?.fix?.includes(`kubectl patch storageclass fixed -p '{"allowVolumeExpansion": true}'`), true);
  });
});

describe('checkKafkaAccess', () => {
  const without = (...ops: number[]) => ops.reduce((bits, op) => bits & ~(1 << op), ALL);
  const cases: Array<[string, KafkaFacts, string[], RegExp]> = [
    ['everything granted', kafka(), ['ok'], /reachable; the principal may Describe, DescribeConfigs, Alter and AlterConfigs the cluster and its 1 topics/],
    ['unreachable', { reachable: false, error: 'ECONNREFUSED 127.0.0.1:9092' }, ['critical'], /cannot be reached.*ECONNREFUSED/],
    ['no Describe on the cluster (Kafka reports 0)', kafka({ clusterOperations: 0 }), ['critical', 'warning'], /may not Describe, DescribeConfigs the cluster/],
    ['no DescribeConfigs on a topic', kafka({ topicOperations: new Map([['orders', without(AclOperation.DESCRIBE_CONFIGS)]]) }), ['critical'], /DescribeConfigs topics orders/],
    ['no Alter on the cluster', kafka({ clusterOperations: without(AclOperation.ALTER) }), ['warning'], /may not Alter the cluster: drain/],
    ['no AlterConfigs on a topic', kafka({ topicOperations: new Map([['orders', without(AclOperation.ALTER_CONFIGS)]]) }), ['warning'], /AlterConfigs topics orders/],
    ['Kafka cannot say (before 2.8)', kafka({ clusterOperations: null, aclError: 'DescribeCluster needs Kafka 2.8 or newer' }), ['warning'], /cannot be read \(DescribeCluster needs/],
    ['a topic whose operations Kafka does not report', kafka({ topicOperations: new Map([['orders', null]]) }), ['ok'], /reachable/],
  ];
  for (const [name, facts, expected, pattern] of cases) {
    test(name, () => {
      const findings = checkKafkaAccess(policyFacts({ kafka: facts }));
      assert.deepEqual(severities(findings), expected, JSON.stringify(findings));
      assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
    });
  }
});

describe('checkTopics', () => {
  const cases: Array<[string, TopicState[], string[], RegExp]> = [
    ['RF 3, min ISR 2', [topic('orders', 3, 2)], ['ok'], /1 topics/],
    ['RF 1', [topic('orders', 3, 2), topic('single', 1, 1)], ['warning'], /replication factor 1: single/],
    ['min ISR equal to RF', [topic('strict', 3, 3)], ['warning'], /strict \(RF 3, min\.insync\.replicas 3\)/],
    ['min ISR above RF', [topic('broken', 2, 3)], ['warning'], /broken \(RF 2, min\.insync\.replicas 3\)/],
    ['RF 1 but expendable', [topic('scratch-1', 1, 1)], ['ok'], /0 topics/],
    ['an internal topic is left to Kafka', [topic('__consumer_offsets', 1, 1, true)], ['ok'], /0 topics/],
    ['both, named in order', [topic('b-single', 1, 1), topic('a-single', 1, 1), topic('strict', 2, 2)], ['warning', 'warning'], /a-single, b-single/],
  ];
  for (const [name, topics, expected, pattern] of cases) {
    test(name, () => {
      const findings = checkTopics(policyFacts({ kafka: kafka({ topics }) }));
      assert.deepEqual(severities(findings), expected, JSON.stringify(findings));
      assert.ok(findings.some((f) => pattern.test(f.finding)), JSON.stringify(findings));
    });
  }
});

describe('diagnose', () => {
  const webhooks = registeredWebhooks();
  const endpoints: EndpointFacts[] = [{ kind: 'url', key: 'https://127.0.0.1:8443', probe: { reached: true, status: 200, host: '127.0.0.1', servingCertificate: null } }];
  const healthy = {
    webhooks,
    endpoints,
    namespaces: [{ namespace: 'kafka', labels: { 'kafkaguard.io/guard': 'enabled' }, error: null, policies: ['kafka'] }],
    policies: [{ policy: policyFacts(), pdbs: { ok: true as const, budgets: [{ name: 'kafka', selector: { matchLabels: { app: 'kafka' } } }] }, storage: { ok: true as const, claims: [], classes: [] } }],
    scope: 'in namespace kafka',
  };
  test('counts critical findings and warnings; a healthy install has none but the missing caBundle', () => {
    const result = diagnose(healthy, new Date());
    assert.deepEqual(result.findings.filter((f) => f.severity !== 'ok').map((f) => f.check), ['caBundle']);
    assert.equal(result.critical, 1);
    assert.equal(result.warnings, 0);
  });
  test('no policy at all is critical, naming where it looked', () => {
    const result = diagnose({ ...healthy, namespaces: [], policies: [] }, new Date());
    assert.ok(result.findings.some((f) => f.severity === 'critical' && f.finding === 'no KafkaGuardPolicy in namespace kafka: no broker is guarded'));
  });
});
