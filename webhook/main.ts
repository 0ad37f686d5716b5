/**
 * The webhook executable: `node dist/webhook/main.js [flags]` (see
 * `--help`-style usage printed on bad configuration). Wires the production
 * facts (informers, Kafka views, the ConfigMap ledger) into runWebhook.
 */
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { ClusterFacts } from './facts/cluster.js';
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
  const facts = new ClusterFacts(kubeConfigFor(config), config, metrics, log, hostname());
  await facts.start();
  return {
    facts,
    effects: facts,
    readiness: () => facts.readiness(),
    close: () => facts.close(),
  };
};

runWebhook(process.argv.slice(2), process.env, createDeps).catch((error: unknown) => {
  process.stderr.write(`kafka-guard webhook: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
