// KWOK's behaviour for our fake nodes and pods (recent KWOK does nothing without Stage configs), and the Node
// objects it manages. Pure data; the harness writes the stages to a file and creates the nodes.
import type { V1Node } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from './flags.ts';

type Expression = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

function stage(name: string, kind: 'Node' | 'Pod', matchExpressions: Expression[], next: object): object {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: { resourceRef: { apiGroup: 'v1', kind }, selector: { matchExpressions }, next },
  };
}

const NOT_READY: Expression = {
  key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
  operator: 'NotIn',
  values: ['True'],
};

// Go templates rendered by KWOK into a status patch. NodeConditions gives the healthy kubelet conditions;
// NodeIP is the --node-ip flag (127.0.0.1).
const NODE_STATUS = `
{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- type: {{ .type | Quote }}
  status: {{ .status | Quote }}
  reason: {{ .reason | Quote }}
  message: {{ .message | Quote }}
  lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
{{ end }}
addresses:
- type: InternalIP
  address: {{ NodeIP | Quote }}
- type: Hostname
  address: {{ .metadata.name | Quote }}
capacity:
{{ YAML .status.capacity 1 }}
allocatable:
{{ YAML .status.allocatable 1 }}
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: {{ printf "kwok-%s" Version | Quote }}
  containerRuntimeVersion: {{ printf "kwok-%s" Version | Quote }}
  kernelVersion: {{ printf "kwok-%s" Version | Quote }}
  kubeProxyVersion: ""
  machineID: ""
  bootID: ""
  osImage: ""
  systemUUID: ""
phase: Running
`;

// PodIPWith allocates from --cidr (127.1.0.0/16) unless the pod uses the host network, which gets the node IP.
const POD_RUNNING_STATUS = `
{{ $now := Now }}
phase: Running
startTime: {{ $now | Quote }}
conditions:
{{ range list "PodReadyToStartContainers" "Initialized" "ContainersReady" "Ready" }}
- type: {{ . | Quote }}
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
{{ end }}
{{ range .spec.readinessGates }}
- type: {{ .conditionType | Quote }}
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
{{ end }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: ""
  ready: true
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
initContainerStatuses:
{{ range .spec.initContainers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: ""
  ready: true
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
{{ $hostIP := NodeIPWith .spec.nodeName }}
hostIP: {{ $hostIP | Quote }}
hostIPs:
- ip: {{ $hostIP | Quote }}
{{ $podIP := PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ $podIP | Quote }}
podIPs:
- ip: {{ $podIP | Quote }}
`;

export function kwokStages(): object[] {
  return [
    stage('tpo-node-ready', 'Node', [NOT_READY], { statusTemplate: NODE_STATUS }),
    stage('tpo-pod-running', 'Pod', [
      { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
      { key: '.status.phase', operator: 'In', values: ['Pending'] },
      NOT_READY,
    ], { statusTemplate: POD_RUNNING_STATUS }),
    // Nothing else would ever finish a deleted pod: without a kubelet it stays Terminating forever.
    stage('tpo-pod-delete', 'Pod', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], {
      finalizers: { empty: true },
      delete: true,
    }),
  ];
}

/** Room for the 1000-pipeline benchmark with default requests (1 CPU / 512Mi each) on two nodes. */
export const FAKE_NODE_CAPACITY = { cpu: '512', memory: '2Ti', pods: '1500' } as const;
export const FAKE_NODE_NAMES = ['kwok-node-0', 'kwok-node-1'] as const;

export function fakeNode(name: string): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: {},
    status: { capacity: { ...FAKE_NODE_CAPACITY }, allocatable: { ...FAKE_NODE_CAPACITY } },
  };
}
