/**
 * Finds and checks the parts of a StatefulSet or Pod that defaults touch, in
 * the deep clone being mutated. Everything a default may read without its own
 * check is checked here, so a malformed object fails before any default runs.
 */
import type { V1Container, V1PodSpec, V1StatefulSetSpec } from '@kubernetes/client-node';
import {
  ensureRecord,
  isRecord,
  MalformedObjectError,
  optionalArray,
  optionalInteger,
  optionalRecord,
  optionalStringMap,
  requireRecord,
  type JsonRecord,
} from './shape.js';
import type { BrokerContainer, PodPart, TargetKind } from './types.js';

export interface ObjectParts {
  kind: TargetKind;
  statefulSetSpec: V1StatefulSetSpec | null;
  replicas: number | null;
  pod: PodPart;
  /** The object's own annotation (for a Pod, the same as the pod part's). */
  objectAnnotation(key: string): string | undefined;
  setObjectAnnotation(key: string, value: string): void;
}

/** The broker container could not be found by the name the policy gives. */
export class BrokerContainerNotFoundError extends Error {
  constructor(containerName: string, containersPath: string, found: string[]) {
    super(
      `container "${containerName}" (the policy's spec.brokers.containerName) is not in ${containersPath} ` +
        `(found: ${found.join(', ')}): fix the policy or the pod spec`,
    );
    this.name = 'BrokerContainerNotFoundError';
  }
}

export function readParts(kind: TargetKind, object: JsonRecord, containerName: string | undefined): ObjectParts {
  readAnnotations(object, 'metadata');
  const objectAnnotation = (key: string): string | undefined => readAnnotations(object, 'metadata')?.[key];
  const setObjectAnnotation = (key: string, value: string): void => {
    ensureRecord(ensureRecord(object, 'metadata'), 'annotations')[key] = value;
  };

  if (kind === 'Pod') {
    const pod = readPodPart(object, 'metadata', 'spec', requireRecord(object['spec'], 'spec'), containerName);
    return { kind, statefulSetSpec: null, replicas: null, pod, objectAnnotation, setObjectAnnotation };
  }

  const spec = requireRecord(object['spec'], 'spec');
  const replicas = optionalInteger(spec, 'replicas', 'spec.replicas') ?? 1;
  if (replicas < 0) throw new MalformedObjectError('spec.replicas', 'at least 0', replicas);
  optionalArray(spec, 'volumeClaimTemplates', 'spec.volumeClaimTemplates');
  const template = requireRecord(spec['template'], 'spec.template');
  const pod = readPodPart(template, 'spec.template.metadata', 'spec.template.spec', requireRecord(template['spec'], 'spec.template.spec'), containerName);
  return { kind, statefulSetSpec: spec as unknown as V1StatefulSetSpec, replicas, pod, objectAnnotation, setObjectAnnotation };
}

function readAnnotations(holder: JsonRecord, metadataPath: string): Record<string, string> | undefined {
  const metadata = optionalRecord(holder, 'metadata', metadataPath);
  return metadata === undefined ? undefined : optionalStringMap(metadata, 'annotations', `${metadataPath}.annotations`);
}

/** `holder` carries `metadata` and `spec`: the pod template, or the Pod itself. */
function readPodPart(holder: JsonRecord, metadataPath: string, specPath: string, spec: JsonRecord, containerName: string | undefined): PodPart {
  const metadata = optionalRecord(holder, 'metadata', metadataPath);
  const labels = (metadata === undefined ? undefined : optionalStringMap(metadata, 'labels', `${metadataPath}.labels`)) ?? {};
  readAnnotations(holder, metadataPath);
  return {
    specPath,
    metadataPath,
    labels,
    spec: spec as unknown as V1PodSpec,
    broker: findBrokerContainer(spec, specPath, containerName),
    annotation: (key) => readAnnotations(holder, metadataPath)?.[key],
    setAnnotation: (key, value) => {
      ensureRecord(ensureRecord(holder, 'metadata'), 'annotations')[key] = value;
    },
  };
}

function findBrokerContainer(spec: JsonRecord, specPath: string, containerName: string | undefined): BrokerContainer {
  const containersPath = `${specPath}.containers`;
  const containers = optionalArray(spec, 'containers', containersPath);
  if (containers === undefined || containers.length === 0) {
    throw new MalformedObjectError(containersPath, 'a non-empty array of containers', spec['containers']);
  }
  const names = containers.map((container, index) => {
    const record = requireRecord(container, `${containersPath}[${index}]`);
    if (typeof record['name'] !== 'string') throw new MalformedObjectError(`${containersPath}[${index}].name`, 'a string', record['name']);
    return record['name'];
  });
  const index = containerName === undefined ? 0 : names.indexOf(containerName);
  const container = containers[index];
  if (index < 0 || !isRecord(container)) throw new BrokerContainerNotFoundError(containerName ?? '', containersPath, names);
  const path = `${containersPath}[${index}]`;
  checkBrokerContainer(container, path);
  return { container: container as unknown as V1Container, path: `${path} ("${names[index] ?? ''}")` };
}

/** The broker container fields defaults read through their typed view. */
function checkBrokerContainer(container: JsonRecord, path: string): void {
  const env = optionalArray(container, 'env', `${path}.env`) ?? [];
  env.forEach((variable, index) => {
    const record = requireRecord(variable, `${path}.env[${index}]`);
    if (typeof record['name'] !== 'string') throw new MalformedObjectError(`${path}.env[${index}].name`, 'a string', record['name']);
    if (record['value'] !== undefined && record['value'] !== null && typeof record['value'] !== 'string') {
      throw new MalformedObjectError(`${path}.env[${index}].value`, 'a string', record['value']);
    }
  });
  const envFrom = optionalArray(container, 'envFrom', `${path}.envFrom`) ?? [];
  envFrom.forEach((source, index) => {
    const record = requireRecord(source, `${path}.envFrom[${index}]`);
    optionalRecord(record, 'configMapRef', `${path}.envFrom[${index}].configMapRef`);
    optionalRecord(record, 'secretRef', `${path}.envFrom[${index}].secretRef`);
  });
  for (const key of ['command', 'args']) optionalArray(container, key, `${path}.${key}`);
  optionalRecord(container, 'readinessProbe', `${path}.readinessProbe`);
}
