// manifests/install.yaml is the Helm chart rendered with its default values (one source of truth), preceded by the
// Namespace it installs into. `npm run gen:manifests` writes it; a test fails when it is stale.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const CHART_DIR = 'charts/telemetry-pipeline-operator';
export const INSTALL_FILE = 'manifests/install.yaml';
export const INSTALL_NAMESPACE = 'telemetry-pipeline-system';
export const INSTALL_RELEASE = 'telemetry-pipeline-operator';

const HEADER = `# Generated from ${CHART_DIR} by \`npm run gen:manifests\` (helm template). Do not edit.
# Install: kubectl apply -f crds/ -f ${INSTALL_FILE}
`;

// The restricted Pod Security level: the operator's pod satisfies it, so the namespace can enforce it.
const NAMESPACE = `---
apiVersion: v1
kind: Namespace
metadata:
  name: ${INSTALL_NAMESPACE}
  labels:
    app.kubernetes.io/part-of: telemetry-pipeline-operator
    pod-security.kubernetes.io/enforce: restricted
`;

/** The manifest text for `helm` (a pinned binary) run in `repoRoot`. */
export async function renderInstallManifest(helm: string, repoRoot: string): Promise<string> {
  const { stdout } = await promisify(execFile)(helm, ['template', INSTALL_RELEASE, CHART_DIR, '--namespace', INSTALL_NAMESPACE], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return HEADER + NAMESPACE + stdout;
}
