import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { generatePki } from '../../cluster/pki.ts';
import { adminKubeconfig } from '../../cluster/kubeconfig.ts';
import { parse } from 'yaml';

const pki = generatePki(['198.18.0.1', '198.18.128.1'], 'tpo-node', new Date('2030-01-01T00:00:00Z'));
const ca = new X509Certificate(pki.ca.cert);

test('the CA is self-signed and a CA', () => {
  expect(ca.ca).toBe(true);
  expect(ca.verify(ca.publicKey)).toBe(true);
});

test('the serving certificate is for loopback, the node IP and the kubernetes ClusterIP only, signed by the CA', () => {
  const serving = new X509Certificate(pki.apiServer.cert);
  expect(serving.verify(ca.publicKey)).toBe(true);
  expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect(serving.checkHost('localhost')).toBe('localhost');
  expect(serving.checkIP('198.18.0.1')).toBe('198.18.0.1');
  expect(serving.checkIP('198.18.128.1')).toBe('198.18.128.1');
  expect(serving.checkHost('kubernetes.default.svc.cluster.local')).toBe('kubernetes.default.svc.cluster.local');
  expect(serving.subjectAltName).not.toMatch(/IP Address:(?!127\.|198\.18\.)/);
  expect(serving.ca).toBe(false);
  expect(createPrivateKey(pki.apiServer.key).asymmetricKeyType).toBe('rsa');
});

test('the admin client certificate is in system:masters', () => {
  const admin = new X509Certificate(pki.admin.cert);
  expect(admin.verify(ca.publicKey)).toBe(true);
  expect(admin.subject).toContain('O=system:masters');
  expect(admin.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
  expect(new Date(admin.validFrom).getTime()).toBeLessThan(new Date('2030-01-01T00:00:00Z').getTime());
});

test('the real node identities: kubelet in system:nodes, kube-proxy as system:kube-proxy', () => {
  const kubelet = new X509Certificate(pki.kubelet.cert);
  expect(kubelet.verify(ca.publicKey)).toBe(true);
  expect(kubelet.subject).toContain('CN=system:node:tpo-node');
  expect(kubelet.subject).toContain('O=system:nodes');
  const proxy = new X509Certificate(pki.kubeProxy.cert);
  expect(proxy.verify(ca.publicKey)).toBe(true);
  expect(proxy.subject).toBe('CN=system:kube-proxy');
});

test('the front-proxy client chains to its own CA, and the service-account keys pair up', () => {
  const fpCa = new X509Certificate(pki.frontProxyCa.cert);
  expect(new X509Certificate(pki.frontProxyClient.cert).verify(fpCa.publicKey)).toBe(true);
  const pub = createPublicKey(pki.serviceAccount.privateKey).export({ type: 'spki', format: 'pem' });
  expect(pub).toBe(pki.serviceAccount.publicKey);
});

test('the kubeconfig embeds the CA and admin credentials', () => {
  const kc = parse(adminKubeconfig('https://127.0.0.1:6443', { ca: 'CA', cert: 'CERT', key: 'KEY' })) as {
    clusters: { cluster: Record<string, string> }[]; users: { user: Record<string, string> }[]; 'current-context': string;
  };
  expect(kc.clusters[0]?.cluster).toEqual({ server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'Q0E=' });
  expect(kc.users[0]?.user).toEqual({ 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' });
  expect(kc['current-context']).toBe('tpo-local');
});
