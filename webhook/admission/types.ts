/**
 * The decoded admission request (admission.k8s.io/v1 AdmissionRequest) as the
 * rules see it: envelope fields checked and normalised by decode.ts, the
 * objects themselves left as JSON for each rule to read what it needs.
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#request
 */

export type JsonObject = { [key: string]: unknown };

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
export const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username: string;
  uid: string | null;
  groups: string[];
}

export interface AdmissionRequest {
  uid: string;
  /** Kind of `object` (for pods/eviction: policy/v1 Eviction; for statefulsets/scale: autoscaling/v1 Scale). */
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  /** "eviction", "scale", ...; null for the main resource. */
  subResource: string | null;
  /** Object name; "" on a CREATE that relies on generateName. */
  name: string;
  /** null for cluster-scoped objects. */
  namespace: string | null;
  operation: Operation;
  userInfo: UserInfo;
  /** The new object (CREATE, UPDATE, CONNECT); null on DELETE. */
  object: JsonObject | null;
  /** The existing object (UPDATE, DELETE); null otherwise. */
  oldObject: JsonObject | null;
  /** The request will not be persisted: no side effects may happen. */
  dryRun: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions, when sent. */
  options: JsonObject | null;
}
