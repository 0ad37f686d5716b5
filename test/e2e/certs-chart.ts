/**
 * The chart as test/e2e/webhook-certs.e2e.test.ts installs it beside the
 * sandbox's: certificates mode generated, the webhook outside the cluster at a
 * URL, guarding one namespace. The audit test adds the RBAC this installs to
 * what the sandbox's rendering grants.
 */
import { renderChart } from '../../scripts/chart.js';

/** The RBAC objects (Role, ClusterRole and their bindings) of mode generated. */
export const CERTIFICATES_RBAC_NAME = 'kafka-guard-certificates';

export function certsChartValues(url: string, guardedNamespace: string): string[] {
  return [`webhookUrl=${url}`, 'certificates.mode=generated', `guard.namespaces={${guardedNamespace}}`, 'secretsNamespaces={kafka}'];
}

/** The rendered documents (text, comments kept) of the certificates RBAC, for grantsOf. */
export async function certificatesRbacText(): Promise<string> {
  const rendered = await renderChart(certsChartValues('https://127.0.0.1:1', 'certs-e2e'));
  return rendered.split(/^---\s*$/m).filter((d) => new RegExp(`^  name: ${CERTIFICATES_RBAC_NAME}$`, 'm').test(d)).join('\n---\n');
}
