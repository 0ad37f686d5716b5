/**
 * The webhook executable: `node dist/webhook/main.js [flags]` (see
 * `--help`-style usage printed on bad configuration). Wires the production
 * facts (informers, Kafka views, the ConfigMap ledger) and the evacuation
 * controller into runWebhook.
 */
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { ClusterFacts } from './facts/cluster.js';
import { EvacuationController } from './evacuation/controller.js';
import { CertificateManager, kubeCertificateStore } from './certs/manager.js';
import { runWebhook, type DepsFactory } from './server.js';
import type { WebhookConfig } from './config.js';

function kubeConfigFor(config: WebhookConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.kube.source === 'in-cluster') {
    kc.loadFromCluster();
  } else {
    if (config.kube.path) kc.loadFromFile(config.kube.path);
    else kc.loadFromDefault();
    if (config.kube.context) kc.setCurrentContext(config.kube.context);
  }
  return kc;
}

const createDeps: DepsFactory = async (config, metrics) => {
  const log = pino({ level: config.logLevel, name: 'facts' });
  const kc = kubeConfigFor(config);
  const facts = new ClusterFacts(kc, config, metrics, log, hostname());
  await facts.start();
  const evacuation = config.evacuationIntervalMs === 0 ? null : new EvacuationController({
    kc,
    log: pino({ level: config.logLevel, name: 'evacuation' }),
    identity: `${hostname()}-${process.pid}`,
    namespace: config.ledger.namespace,
    ledger: config.ledger,
    intervalMs: config.evacuationIntervalMs,
    batchTimeoutMs: 30 * 60_000,
    recordEvent: (object, type, reason, message) => facts.recordEvent(object, type, reason, message),
  });
  evacuation?.start();
  const certificates = config.tls.source === 'generated'
    ? new CertificateManager(kubeCertificateStore(kc, config.certificates), config.certificates, pino({ level: config.logLevel, name: 'certificates' }))
    : undefined;
  return {
    certificates,
    facts,
    effects: facts,
    readiness: () => facts.readiness(),
    close: async () => {
      await evacuation?.close();
      await facts.close();
    },
  };
};

runWebhook(process.argv.slice(2), process.env, createDeps).catch((error: unknown) => {
  process.stderr.write(`kafka-guard webhook: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
