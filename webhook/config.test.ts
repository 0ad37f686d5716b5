import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_FLAGS, helpText, parseConfig } from './config.js';

function ok(argv: string[], env: Record<string, string> = {}) {
  const result = parseConfig(argv, env);
  if (!result.ok) assert.fail(`expected a valid config, got: ${result.errors.join('; ')}`);
  return result.config;
}

function errors(argv: string[], env: Record<string, string> = {}): string[] {
  const result = parseConfig(argv, env);
  assert.equal(result.ok, false, 'expected the configuration to be refused');
  return result.ok ? [] : result.errors;
}

describe('helpText', () => {
  it('lists every flag with its environment variable and a description', () => {
    const help = helpText();
    for (const setting of CONFIG_FLAGS) {
      assert.match(help, new RegExp(`--${setting.flag}, \\$${setting.env} +\\S`), setting.flag);
    }
  });
});

describe('parseConfig', () => {
  it('has documented defaults', () => {
    const config = ok([]);
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 8443 });
    assert.equal(config.bodyLimitBytes, 6 * 1024 * 1024);
    assert.equal(config.kafkaViewRefreshMs, 4000);
    assert.equal(config.decisionDeadlineMs, 2000);
    assert.deepEqual(config.ledger, { namespace: 'kafka-guard', name: 'kafka-guard-disruptions', ttlMs: 60_000 });
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.kube, { source: 'kubeconfig', path: null, context: null });
  });

  it('refuses a background refresh faster than once a second, naming the flag', () => {
    const result = parseConfig(['--kafka-view-refresh-ms', '200'], {});
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.errors.join('\n'), /--kafka-view-refresh-ms="200": expected a whole number of milliseconds from 1000 to 3600000/);
    assert.equal(ok([], { KAFKAGUARD_KAFKA_VIEW_REFRESH_MS: '30000' }).kafkaViewRefreshMs, 30_000);
  });

  it('bounds the background refresh to a share of one core, 25% unless set, 1-100', () => {
    assert.equal(ok([]).kafkaViewRefreshCpuPercent, 25);
    assert.equal(ok([], { KAFKAGUARD_KAFKA_VIEW_REFRESH_CPU_PERCENT: '10' }).kafkaViewRefreshCpuPercent, 10);
    const result = parseConfig(['--kafka-view-refresh-cpu-percent', '0'], {});
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.errors.join('\n'), /--kafka-view-refresh-cpu-percent="0": expected a whole number of percent of one core from 1 to 100/);
  });

  it('takes flags over environment over defaults', () => {
    const config = ok(['--port', '9443'], { KAFKAGUARD_PORT: '7443', KAFKAGUARD_DECISION_DEADLINE_MS: '1500' });
    assert.equal(config.listen.port, 9443);
    assert.equal(config.decisionDeadlineMs, 1500);
  });

  it('uses the pod namespace for the ledger and in-cluster access inside a pod', () => {
    const config = ok([], { POD_NAMESPACE: 'ops', KUBERNETES_SERVICE_HOST: '10.0.0.1' });
    assert.equal(config.ledger.namespace, 'ops');
    assert.deepEqual(config.kube, { source: 'in-cluster' });
  });

  it('prefers an explicit kubeconfig to in-cluster detection', () => {
    const config = ok(['--kubeconfig', '/tmp/kc', '--context', 'sandbox'], { KUBERNETES_SERVICE_HOST: '10.0.0.1' });
    assert.deepEqual(config.kube, { source: 'kubeconfig', path: '/tmp/kc', context: 'sandbox' });
  });

  const refused: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['a port that is not a number', ['--port', 'https'], {}, /--port="https": expected a whole number of a TCP port from 1 to 65535/],
    ['a port out of range', ['--port', '70000'], {}, /--port="70000"/],
    ['a deadline beyond the 30 s webhook maximum', ['--decision-deadline-ms', '45000'], {}, /--decision-deadline-ms="45000".*100 to 29000/],
    ['a tiny body limit', ['--body-limit-bytes', '1000'], {}, /--body-limit-bytes="1000"/],
    ['an unknown log level', [], { KAFKAGUARD_LOG_LEVEL: 'verbose' }, /KAFKAGUARD_LOG_LEVEL="verbose": expected one of fatal, error/],
    ['an invalid ledger namespace', ['--ledger-namespace', 'Kafka_Guard'], {}, /--ledger-namespace="Kafka_Guard": a namespace name must be a DNS label/],
    ['an unknown flag', ['--prot', '1'], {}, /Unknown option '--prot'.*Known flags: --listen-host/],
    ['in-cluster together with a kubeconfig flag', ['--in-cluster', '--kubeconfig', '/tmp/kc'], {}, /--in-cluster cannot be combined with --kubeconfig/],
    ['a non-boolean in-cluster variable', [], { KAFKAGUARD_IN_CLUSTER: 'yes' }, /KAFKAGUARD_IN_CLUSTER="yes": expected "true" or "false"/],
  ];
  for (const [name, argv, env, message] of refused) {
    it(`refuses ${name}, naming the value`, () => {
      const found = errors(argv, env);
      assert.ok(found.some((e) => message.test(e)), `no error matched ${message}: ${found.join(' | ')}`);
    });
  }

  it('reports every bad value at once', () => {
    assert.equal(errors(['--port', 'x', '--log-level', 'loud']).length, 2);
  });
});

describe('certificates (mode generated)', () => {
  it('defaults: files; generated names the Secret, the configurations and the Service hosts in its namespace', () => {
    assert.equal(ok([]).tls.source, 'files');
    const config = ok(['--certificates', 'generated'], { POD_NAMESPACE: 'guard' });
    assert.equal(config.tls.source, 'generated');
    assert.deepEqual(
      { ...config.certificates },
      {
        namespace: 'guard', secretName: 'kafka-guard-tls', webhookConfigurationName: 'kafka-guard',
        hosts: ['kafka-guard.guard.svc', 'kafka-guard.guard.svc.cluster.local'],
        caValidityMs: 8760 * 3600_000, caRenewBeforeMs: 2160 * 3600_000, servingValidityMs: 2160 * 3600_000, servingRenewBeforeMs: 360 * 3600_000,
        checkIntervalMs: 60_000, overlapMs: 600_000,
      },
    );
  });

  it('reads Go-style durations and host lists', () => {
    const config = ok(['--certificates-hosts', '127.0.0.1, localhost', '--certificates-check-interval', '500ms', '--certificates-overlap', '1m30s']);
    assert.deepEqual(config.certificates.hosts, ['127.0.0.1', 'localhost']);
    assert.equal(config.certificates.checkIntervalMs, 500);
    assert.equal(config.certificates.overlapMs, 90_000);
  });

  it('refuses what cannot work, naming the flag and the value', () => {
    const table: Array<[string[], RegExp]> = [
      [['--certificates', 'vault'], /--certificates="vault": expected files or generated/],
      [['--serving-validity', '90d'], /--serving-validity="90d": expected a duration/],
      [['--serving-renew-before', '2160h'], /--serving-renew-before .* must be shorter than --serving-validity/],
      [['--certificates-overlap', '1m'], /--certificates-overlap \(60000 ms\) must be at least two --certificates-check-interval \(60000 ms\)/],
      [['--certificates-hosts', 'a_b,10.0.0.1'], /--certificates-hosts="a_b,10.0.0.1": expected DNS names or IP addresses, comma-separated \(not one: a_b\)/],
      [['--ca-renew-before', '10m'], /--ca-renew-before \(600000 ms\) must be longer than two --certificates-overlap/],
    ];
    for (const [argv, message] of table) assert.match(errors(argv).join('\n'), message, argv.join(' '));
  });
});
