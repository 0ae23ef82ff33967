// The k8s resolver's `service` as upstream reads it (its errors are validation errors here).

export interface ServiceName {
  readonly name: string;
  /** Undefined: the collector's own namespace (in a pod), else "default", as upstream. */
  readonly namespace: string | undefined;
}

/** Upstream's reading of `service`: `name`, `name.namespace` or `name.namespace.svc.<cluster domain>`. */
export function parseServiceName(service: string): ServiceName | { error: string } {
  const parts = service.split('.');
  if (parts[0] === '') return { error: 'no service specified to resolve the backends' };
  if (parts.length > 2 && parts[1] === '') return { error: `invalid Kubernetes service FQDN: namespace segment missing in "${service}"` };
  if (parts.length > 2 && parts[2] !== 'svc') return { error: `invalid Kubernetes service FQDN: expected third DNS label to be 'svc' in "${service}"` };
  if (parts.length === 3) return { error: `invalid Kubernetes service FQDN: missing cluster domain in "${service}"` };
  return { name: parts[0]!, namespace: parts.length > 1 && parts[1] !== '' ? parts[1] : undefined };
}
