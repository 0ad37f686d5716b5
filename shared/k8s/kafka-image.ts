/**
 * Which Kafka version a broker pod template runs, read from what it says and
 * never guessed: the policy's version annotation when set, else the image tag
 * of a known image family:
 *
 *   apache/kafka:4.1.1, apache/kafka-native:4.1.1     the tag is the version
 *   bitnami/kafka:4.0.0-debian-12-r3, bitnami/kafka:3.9   the tag starts with it
 *   quay.io/strimzi/kafka:0.45.0-kafka-3.9.0          after "-kafka-"
 *
 * Anything else (a digest only, `latest`, Confluent's own numbering) is unknown.
 */
import { parseKafkaVersion, type KafkaVersion } from '../kafka/features.js';

export type ImageVersion = { known: true; version: KafkaVersion; from: string } | { known: false; reason: string };

interface ContainerLike {
  name?: string;
  image?: string;
}

export interface PodTemplateLike {
  metadata?: { annotations?: Record<string, string> | undefined } | undefined;
  spec?: { containers?: ContainerLike[] | undefined } | undefined;
}

/** The broker container: the one named, else the first. */
export function brokerContainer(template: PodTemplateLike | undefined, containerName: string | undefined): ContainerLike | null {
  const containers = template?.spec?.containers ?? [];
  return (containerName === undefined ? containers[0] : containers.find((c) => c.name === containerName)) ?? null;
}

/** Splits `registry:5000/org/name:tag@sha256:...` into the repository's last segment and the tag. */
export function imageParts(image: string): { name: string; tag: string | null } {
  const withoutDigest = image.split('@')[0] ?? '';
  const slash = withoutDigest.lastIndexOf('/');
  const last = withoutDigest.slice(slash + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? { name: last, tag: null } : { name: last.slice(0, colon), tag: last.slice(colon + 1) };
}

/** The Kafka version an image tag names, or null. */
export function versionOfImage(image: string): KafkaVersion | null {
  const { name, tag } = imageParts(image);
  if (tag === null || !/^kafka(-native)?$/.test(name)) return null;
  const strimzi = /-kafka-(\d+\.\d+\.\d+)$/.exec(tag);
  if (strimzi?.[1] !== undefined) return parseKafkaVersion(strimzi[1]);
  const leading = /^(\d+\.\d+(?:\.\d+)?)(?:-[0-9A-Za-z.-]+)?$/.exec(tag);
  return leading?.[1] === undefined ? null : parseKafkaVersion(leading[1]);
}

/** The version a pod template runs, with where it was read. */
export function templateKafkaVersion(template: PodTemplateLike | undefined, options: { containerName?: string | undefined; versionAnnotation?: string | undefined }): ImageVersion {
  if (options.versionAnnotation !== undefined) {
    const value = template?.metadata?.annotations?.[options.versionAnnotation];
    if (value !== undefined) {
      const version = parseKafkaVersion(value.trim());
      return version === null
        ? { known: false, reason: `annotation ${options.versionAnnotation}: ${JSON.stringify(value.slice(0, 64))} is not a Kafka version such as 4.1.1` }
        : { known: true, version, from: `annotation ${options.versionAnnotation}` };
    }
  }
  const container = brokerContainer(template, options.containerName);
  if (container === null) return { known: false, reason: options.containerName === undefined ? 'the pod template has no container' : `the pod template has no container ${options.containerName}` };
  const image = container.image ?? '';
  const version = versionOfImage(image);
  if (version !== null) return { known: true, version, from: `image ${image}` };
  const hint = options.versionAnnotation === undefined ? 'name the version in spec.brokers.versionAnnotation of the policy and that annotation of the pod template' : `set annotation ${options.versionAnnotation} on the pod template`;
  return { known: false, reason: `the image ${JSON.stringify(image.slice(0, 200))} does not name a Kafka version kafka-guard can read; ${hint}` };
}
