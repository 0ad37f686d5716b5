/**
 * Encoding: the one place an AdmissionReview response is built.
 * It echoes the request uid, sets `allowed`, the status of a refusal, the
 * base64 JSON Patch with its patchType, and the warnings within the
 * apiserver's limits.
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#response
 */
import { renderDenial } from '../messages.js';
import { ADMISSION_API_VERSION, ADMISSION_KIND } from './types.js';
import { statusReasonFor, type AdmissionVerdict } from './verdict.js';

export interface AdmissionStatus {
  code: number;
  reason: string;
  message: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch document. */
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  response: AdmissionResponse;
}

/**
 * Warning limits. The apiserver turns warnings into HTTP Warning headers; when
 * all warnings of a request exceed 4096 characters it truncates each to 256
 * and then drops the rest, and the docs ask webhooks to keep each under 120
 * where possible. Our own warnings are written short; longer ones (with
 * partition lists) are cut here at 256 so the apiserver never has to, and the
 * total is kept under 4096 with a closing line saying how many were left out.
 */
export const MAX_WARNING_CHARS = 256;
export const MAX_WARNINGS_TOTAL_CHARS = 4096;

export function encodeVerdict(uid: string, verdict: AdmissionVerdict): AdmissionReviewResponse {
  const response: AdmissionResponse = { uid, allowed: verdict.allowed };
  const outcome = verdict.outcome;
  switch (outcome.kind) {
    case 'allow':
      break;
    case 'patch':
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(outcome.ops), 'utf8').toString('base64');
      break;
    case 'deny':
      response.status = { code: outcome.code, reason: outcome.statusReason, message: renderDenial(outcome) };
      break;
    case 'errored':
      response.status = { code: outcome.code, reason: statusReasonFor(outcome.code), message: outcome.message };
      break;
    case 'undecided':
      // The engine resolves these through onKafkaUnreachable; reaching here is a bug, and it fails closed.
      response.status = { code: 503, reason: statusReasonFor(503), message: outcome.message };
      break;
  }
  const warnings = limitWarnings(verdict.warnings);
  if (warnings.length > 0) response.warnings = warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}

/** Warnings fit for HTTP Warning headers: one line each, deduplicated, within the apiserver's limits. */
export function limitWarnings(warnings: readonly string[]): string[] {
  const cleaned = [...new Set(warnings.map(oneLine).filter((w) => w !== ''))].map((w) => truncate(w, MAX_WARNING_CHARS));
  const kept: string[] = [];
  let total = 0;
  // Leave room for the closing "N more" line.
  const budget = MAX_WARNINGS_TOTAL_CHARS - 64;
  for (const [index, warning] of cleaned.entries()) {
    const length = [...warning].length;
    if (total + length > budget) {
      kept.push(`kafka-guard: ${cleaned.length - index} more warning(s) not shown; see the webhook log`);
      break;
    }
    kept.push(warning);
    total += length;
  }
  return kept;
}

/** Control characters (newlines included) are not allowed in a Warning header. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Cuts at a code point boundary (never inside a surrogate pair) and marks the cut. */
function truncate(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}
