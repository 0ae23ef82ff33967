// Static PersistentVolumes for tests: a StorageClass without a provisioner, PVs of it, and the controller that binds
// claims to them. The test control plane runs kube-controller-manager without its volume controllers (flags.ts
// CONTROLLERS); when the binder is not among them, a second kube-controller-manager runs only the binder and the
// claim/volume protection controllers (the real ones, from the same build) for as long as the test needs them.
import { spawn, type ChildProcess } from 'node:child_process';
import { binaryPath } from '../cluster/binaries.ts';
import { CONTROLLERS } from '../cluster/flags.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { isApiError } from '../../src/operator/kube/errors.ts';
import { waitFor } from './wait.ts';

const VOLUME_CONTROLLERS = ['persistentvolume-binder-controller', 'persistentvolumeclaim-protection-controller', 'persistentvolume-protection-controller'];

export interface StaticVolumes {
  storageClass: string;
  /** Whether this helper had to start the binder (the cluster's controller manager does not run it). */
  startedBinder: boolean;
  /** Deletes the claims of `namespace` (their pods must be gone or going), then the volumes and the class. */
  close(namespace: string): Promise<void>;
}

export interface VolumeSpec {
  name: string;
  size: string;
  /** The PV's source: a hostPath (never mounted under KWOK) or a local path pinned to a node. */
  source: { hostPath: { path: string; type?: string } } | { local: { path: string }; nodeAffinity: object };
}

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  await p.catch((err: unknown) => {
    if (!isApiError(err, 404)) throw err;
  });
}

function startBinder(kubeconfig: string): ChildProcess {
  const child = spawn(
    binaryPath('kube-controller-manager'),
    [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0', `--controllers=${VOLUME_CONTROLLERS.join(',')}`],
    { stdio: 'ignore' },
  );
  return child;
}

export async function staticVolumes(client: KubeClient, kubeconfig: string, storageClass: string, volumes: VolumeSpec[]): Promise<StaticVolumes> {
  const binder = CONTROLLERS.includes('persistentvolume-binder-controller') ? undefined : startBinder(kubeconfig);
  await client.request('POST', '/apis/storage.k8s.io/v1/storageclasses', {
    body: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: storageClass },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'Immediate',
      reclaimPolicy: 'Retain',
    },
  });
  for (const v of volumes) {
    await client.request('POST', '/api/v1/persistentvolumes', {
      body: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: v.name },
        spec: {
          capacity: { storage: v.size },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: storageClass,
          ...v.source,
        },
      },
    });
  }
  return {
    storageClass,
    startedBinder: binder !== undefined,
    async close(namespace: string) {
      // The protection finalizers are only lifted while the protection controllers run: claims first, then volumes.
      await ignoreMissing(client.request('DELETE', `/api/v1/namespaces/${namespace}/persistentvolumeclaims`));
      await waitFor('claims deleted', async () => (await client.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${namespace}/persistentvolumeclaims`)).items.length === 0, 60_000);
      for (const v of volumes) await ignoreMissing(client.request('DELETE', `/api/v1/persistentvolumes/${v.name}`));
      await waitFor('volumes deleted', async () => {
        const left = await Promise.all(volumes.map((v) => client.request('GET', `/api/v1/persistentvolumes/${v.name}`).then(() => 1, () => 0)));
        return left.every((n) => n === 0);
      }, 60_000);
      await ignoreMissing(client.request('DELETE', `/apis/storage.k8s.io/v1/storageclasses/${storageClass}`));
      if (binder && binder.exitCode === null) {
        const exited = new Promise((r) => binder.once('exit', r));
        binder.kill('SIGTERM');
        await exited;
      }
    },
  };
}
