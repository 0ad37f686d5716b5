/**
 * The Helm chart deploy/chart/kafka-guard, rendered with helm (built from the
 * Go module proxy by test/sandbox/build/build-helm.sh, or $HELM). The plain
 * manifests in deploy/ and the sandbox's RBAC and webhook registrations both
 * come from here, so what the tests run is what users install.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const CHART_DIR = 'deploy/chart/kafka-guard';
export const RELEASE_NAMESPACE = 'kafka-guard';
export const RENDER_MANIFESTS_COMMAND = 'npm run render-manifests';

/** The helm binary: $HELM, or the cached build (built on first use; needs Go). */
export async function helmBinary(): Promise<string> {
  try {
    const { stdout } = await run('bash', [`${ROOT}test/sandbox/build/build-helm.sh`], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`helm is not available: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** Runs helm with `args` in the repository root; rejects with helm's own message. */
export async function helm(args: string[]): Promise<string> {
  const binary = await helmBinary();
  try {
    return (await run(binary, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    throw new Error(`helm ${args.join(' ')} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
}

/** `helm template` of the chart in the release namespace, with `--set` values (`key=value`). */
export function renderChart(set: readonly string[] = [], namespace = RELEASE_NAMESPACE): Promise<string> {
  return helm(['template', 'kafka-guard', CHART_DIR, '--namespace', namespace, ...set.flatMap((s) => ['--set', s])]);
}

/** The YAML documents of a rendered chart, as objects (empty documents dropped). */
export function renderedObjects(text: string): Array<Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } }> {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((o): o is Record<string, unknown> & { kind: string; metadata: { name: string } } => o !== null && typeof o['kind'] === 'string');
}

/** The values the plain manifests are rendered with (the chart's defaults, plus the namespace). */
export const PLAIN_MANIFEST_VALUES = ['namespace.create=true'];

/**
 * The plain manifests, file name to content: kafka-guard.yaml, as helm
 * renders it (comments included). The defaults' certificates mode, auto,
 * renders as generated outside a cluster, so these manifests need no
 * cert-manager: the webhook makes and rotates its own certificates.
 */
export async function plainManifests(): Promise<Record<string, string>> {
  const rendered = await renderChart(PLAIN_MANIFEST_VALUES);
  const documents = rendered.split(/^---\n/m).map((d) => d.trim()).filter((d) => d !== '');
  const header = (what: string) => `# ${what}\n# Rendered from ${CHART_DIR} with its default values by: ${RENDER_MANIFESTS_COMMAND} (do not edit)\n`;
  return {
    'kafka-guard.yaml': header('kafka-guard webhook: namespace, RBAC, certificates Secret, Deployment, Service, PDB, webhook registrations, the plugin users\' ClusterRole')
      + documents.map((d) => `---\n${d}\n`).join(''),
  };
}
