// Pure: the admin kubeconfig, with the certificates embedded so the file alone is enough for any client.
import { stringify } from 'yaml';

export function adminKubeconfig(server: string, pem: { ca: string; cert: string; key: string }): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'tpo-local', cluster: { server, 'certificate-authority-data': b64(pem.ca) } }],
    users: [{ name: 'tpo-admin', user: { 'client-certificate-data': b64(pem.cert), 'client-key-data': b64(pem.key) } }],
    contexts: [{ name: 'tpo-local', context: { cluster: 'tpo-local', user: 'tpo-admin', namespace: 'default' } }],
    'current-context': 'tpo-local',
    preferences: {},
  });
}
