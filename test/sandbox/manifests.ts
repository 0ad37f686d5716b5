/**
 * The demo objects the sandbox creates: storage classes, the `kafka`
 * namespace, a 3-broker StatefulSet with a headless Service and a
 * PodDisruptionBudget. Broker id = pod ordinal. kafka-0's volume is a network
 * volume (its claim is created up front), kafka-1 and kafka-2 get node-local
 * volumes from the claim template, so both storage kinds are exercised.
 */
import { readFileSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { SandboxConfig } from './config.js';
import { GUARD_NAMESPACE_LABEL, GUARD_NAMESPACE_VALUE } from '../../webhook/registration.js';
import type { KafkaSecurity } from './kafka-broker.js';
import { PROVISIONER_NETWORK, PROVISIONER_NODE_LOCAL } from './node-agent.js';

export const DEMO_NAMESPACE = 'kafka';
export const DEMO_STATEFULSET = 'kafka';
export const BROKER_LABELS = { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'kafka' };

/**
 * Both classes the brokers use allow volume expansion (`kubectl kafka resize`):
 * a network volume's file system then grows online, a node-local one's when
 * its pod next starts (test/sandbox/node-agent.ts). `sandbox-fixed` is a
 * node-local class without expansion, for the webhook's warning about it.
 */
export function storageClasses(): KubernetesObject[] {
  return [
    {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: 'sandbox-local', annotations: { 'kafkaguard.io/description': 'node-local disk: data stays on its node; grows when its pod restarts' } },
      provisioner: PROVISIONER_NODE_LOCAL, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', allowVolumeExpansion: true,
    } as KubernetesObject,
    {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: 'sandbox-network', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true', 'kafkaguard.io/description': 'network disk: data follows the claim; grows online' } },
      provisioner: PROVISIONER_NETWORK, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', allowVolumeExpansion: true,
    } as KubernetesObject,
    {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: 'sandbox-fixed', annotations: { 'kafkaguard.io/description': 'node-local disk that cannot grow (allowVolumeExpansion false)' } },
      provisioner: PROVISIONER_NODE_LOCAL, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', allowVolumeExpansion: false,
    } as KubernetesObject,
  ];
}

/** The demo namespace, labelled so kafka-guard guards it. */
export function demoNamespace(): KubernetesObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NAMESPACE, labels: { [GUARD_NAMESPACE_LABEL]: GUARD_NAMESPACE_VALUE } } };
}

/** Secret names of the SASL_SSL listener's CA and users, as a secured cluster's operator would create them. */
export const KAFKA_SECRETS = { tls: 'kafka-tls', plain: 'kafka-user-plain', scram: 'kafka-user-scram' } as const;

/** The Secrets a KafkaGuardPolicy names to reach the brokers' SASL_SSL listeners (spec.kafka.tls / sasl). */
export function kafkaSecrets(security: KafkaSecurity): KubernetesObject[] {
  const secret = (name: string, stringData: Record<string, string>) =>
    ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: DEMO_NAMESPACE }, type: 'Opaque', stringData }) as KubernetesObject;
  return [
    secret(KAFKA_SECRETS.tls, { 'ca.crt': readFileSync(security.caCert, 'utf8') }),
    secret(KAFKA_SECRETS.plain, { ...security.plain }),
    secret(KAFKA_SECRETS.scram, { ...security.scram }),
  ];
}

/** The demo cluster's KafkaGuardPolicy: brokers by label, id = ordinal, Kafka on 127.0.0.1. */
export function demoPolicy(bootstrapServers: string): KubernetesObject {
  return {
    apiVersion: 'kafkaguard.io/v1alpha1', kind: 'KafkaGuardPolicy',
    metadata: { name: DEMO_STATEFULSET, namespace: DEMO_NAMESPACE },
    spec: {
      brokers: { selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } }, idFrom: { ordinal: { offset: 0 } } },
      kafka: { bootstrapServers: bootstrapServers.split(',') },
      mode: 'Enforce',
      onKafkaUnreachable: 'Deny',
    },
  } as KubernetesObject;
}

export function demoObjects(cfg: SandboxConfig, replicas = 3): KubernetesObject[] {
  const ns = DEMO_NAMESPACE;
  return [
    {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: `data-${DEMO_STATEFULSET}-0`, namespace: ns, labels: BROKER_LABELS },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'sandbox-network', resources: { requests: { storage: '1Gi' } } },
    } as KubernetesObject,
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: `${DEMO_STATEFULSET}-headless`, namespace: ns, labels: BROKER_LABELS },
      spec: { clusterIP: 'None', selector: BROKER_LABELS, ports: [{ name: 'kafka', port: 9092 }], publishNotReadyAddresses: true },
    } as KubernetesObject,
    {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
      metadata: { name: DEMO_STATEFULSET, namespace: ns },
      spec: { maxUnavailable: 1, selector: { matchLabels: BROKER_LABELS } },
    } as KubernetesObject,
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet',
      metadata: { name: DEMO_STATEFULSET, namespace: ns, labels: BROKER_LABELS },
      spec: {
        serviceName: `${DEMO_STATEFULSET}-headless`,
        replicas,
        // All brokers start together: a KRaft quorum needs a majority before any broker registers.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: BROKER_LABELS },
        template: {
          metadata: { labels: BROKER_LABELS },
          spec: {
            terminationGracePeriodSeconds: 60,
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: BROKER_LABELS } }],
              },
            },
            containers: [{
              name: 'kafka',
              // The node agent runs the Kafka release this tag names (node-agent.ts kafkaVersionOfImage).
              image: `apache/kafka:${cfg.kafkaVersion}`,
              ports: [{ name: 'kafka', containerPort: 9092 }],
              env: [
                { name: 'KAFKA_NODE_ID', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
                ...(cfg.kafkaMode === 'kraft' ? [{ name: 'KAFKA_PROCESS_ROLES', value: 'broker,controller' }] : []),
              ],
              resources: { requests: { cpu: '100m', memory: `${cfg.brokerHeapMb * 2}Mi` }, limits: { memory: `${cfg.brokerHeapMb * 2}Mi` } },
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/kafka/data' }],
            }],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data', labels: BROKER_LABELS },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'sandbox-local', resources: { requests: { storage: '1Gi' } } },
        }],
      },
    } as KubernetesObject,
  ];
}
