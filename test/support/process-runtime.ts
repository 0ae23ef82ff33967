// The kubelet for collector fleets on the local control plane (tests and the demo). KWOK's pods run no
// process, so this watches the operator's Pods and, for each Running pod with a loopback pod IP, runs a
// real `node src/cli.ts collector` bound to that IP, with the config from the pod's ConfigMap and the
// container's environment (pod-launch.ts). Like a kubelet it probes readiness, restarts a crashed process
// with backoff, sends SIGTERM when the pod is deleted or terminating (the collector drains) and SIGKILL
// after the pod's grace period, and restarts the process when its ConfigMap changes.
// Bounded: at most `maxProcesses` at once; configs exporting anywhere but loopback are refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { Informer } from '../../src/operator/kube/informer.ts';
import { listerWatcher } from '../../src/operator/kube/list-watch.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { LABEL_PIPELINE, MANAGED_BY } from '../../src/operator/render/labels.ts';
import { CONFIG_PLACEHOLDER, launchPlan, nonLoopbackEndpoints, type LaunchPlan, type PodSpecLike } from './pod-launch.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
const PROBE_INTERVAL_MS = 500;
const SYNC_INTERVAL_MS = 1000;
const MAX_BACKOFF_MS = 10_000;

export type ProcessState = 'starting' | 'serving' | 'stopping' | 'crashed' | 'refused';

export interface ProcessInfo {
  /** namespace/name of the pod. */
  pod: string;
  pipeline: string | undefined;
  ip: string;
  state: ProcessState;
  pid: number | undefined;
  logFile: string;
  restarts: number;
  error?: string;
}

export interface ExitInfo {
  pod: string;
  ip: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the runtime stopped it (pod gone, config change); false for a crash. */
  stopped: boolean;
  /**
   * Whether it had been Ready. One stopped before (its pod deleted while it started, as a kubelet may) can die of the
   * signal before the collector installs its handler; only a process that served owes a clean drain.
   */
  served: boolean;
  at: number;
}

export interface RuntimeOptions {
  kubeconfig: string;
  /** Watch one namespace (default: all). */
  namespace?: string;
  maxProcesses?: number;
  /** Where config files and per-process logs go (default: a new temp directory). */
  workDir?: string;
  log?: Logger;
}

type PodObject = KubeObject & PodSpecLike;
type ConfigMapObject = KubeObject & { data?: Record<string, string> };

interface Entry {
  uid: string;
  pod: string;
  pipeline: string | undefined;
  ip: string;
  /** Undefined when the pod cannot be run as specified (state refused). */
  plan: LaunchPlan | undefined;
  dir: string;
  logFile: string;
  state: ProcessState;
  configText?: string;
  child?: ChildProcess;
  /** This process has been Ready. */
  served?: boolean;
  exited?: Promise<void>;
  restarts: number;
  restartAt: number;
  error?: string;
  probe?: NodeJS.Timeout;
}

export class ProcessRuntime {
  readonly workDir: string;
  readonly #opts: RuntimeOptions;
  readonly #log: Logger;
  readonly #client: KubeClient;
  readonly #pods: Informer<PodObject>;
  readonly #configMaps: Informer<ConfigMapObject>;
  readonly #entries = new Map<string, Entry>();
  readonly #exits: ExitInfo[] = [];
  /** Exit of the last process on each IP: KWOK may hand a freed IP to a new pod while the old one drains. */
  readonly #ipFree = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Processes of pods already gone, still draining: they count against the limit too. */
  #draining = 0;
  #warnedFull = false;

  constructor(opts: RuntimeOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? pino({ name: 'process-runtime', level: process.env['TPO_TEST_LOG'] ?? 'warn' }, pino.destination(2));
    this.workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'tpo-runtime-'));
    mkdirSync(this.workDir, { recursive: true });
    const kc = new KubeConfig();
    kc.loadFromFile(opts.kubeconfig);
    this.#client = new KubeClient(kc, { userAgent: 'tpo-process-runtime' });
    const lw = { namespace: opts.namespace, labelSelector: SELECTOR, watchTimeoutSeconds: 60 };
    const log = this.#log;
    this.#pods = new Informer({ name: 'pods', lw: listerWatcher<PodObject>(this.#client, resources.pod, lw), log });
    this.#configMaps = new Informer({ name: 'configmaps', lw: listerWatcher<ConfigMapObject>(this.#client, resources.configMap, lw), log });
    const sync = { add: () => this.#sync(), update: () => this.#sync(), delete: () => this.#sync() };
    this.#pods.on(sync);
    this.#configMaps.on(sync);
  }

  /** Starts watching; resolves once both caches are synced and the first processes are launched. */
  async start(): Promise<void> {
    this.#pods.start();
    this.#configMaps.start();
    await Promise.all([this.#pods.waitForSync(), this.#configMaps.waitForSync()]);
    this.#sync();
    this.#timer = setInterval(() => this.#sync(), SYNC_INTERVAL_MS);
  }

  /** Stops watching, sends SIGTERM to every process and waits for them (SIGKILL after their grace period). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await Promise.all([this.#pods.stop(), this.#configMaps.stop()]);
    await Promise.all([...this.#entries.values()].map((entry) => this.#terminate(entry, 'runtime stopped')));
    this.#entries.clear();
    this.#client.close();
  }

  processes(): ProcessInfo[] {
    return [...this.#entries.values()].map((e) => ({
      pod: e.pod,
      pipeline: e.pipeline,
      ip: e.ip,
      state: e.state,
      pid: e.child?.pid,
      logFile: e.logFile,
      restarts: e.restarts,
      ...(e.error !== undefined && { error: e.error }),
    }));
  }

  /** Every process exit so far, in order. */
  exits(): readonly ExitInfo[] {
    return this.#exits;
  }

  /** Pod IPs whose collector passes its readiness probe and whose pod is not going away. */
  servingIps(filter: { namespace?: string; pipeline?: string } = {}): string[] {
    return [...this.#entries.values()]
      .filter((e) => e.state === 'serving')
      .filter((e) => filter.namespace === undefined || e.pod.startsWith(`${filter.namespace}/`))
      .filter((e) => filter.pipeline === undefined || e.pipeline === filter.pipeline)
      .map((e) => e.ip);
  }

  /** Level-based: compares the pods in the cache with the processes and starts, stops or restarts. */
  #sync(): void {
    if (this.#stopped) return;
    const wanted = new Map<string, PodObject>();
    for (const pod of this.#pods.store.values()) {
      if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running' || !pod.status.podIP) continue;
      wanted.set(pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`, pod);
    }
    for (const [uid, entry] of this.#entries) {
      if (wanted.has(uid) && wanted.get(uid)!.status?.podIP === entry.ip) continue;
      this.#entries.delete(uid);
      this.#draining++;
      void this.#terminate(entry, 'pod deleted or terminating').finally(() => {
        this.#draining--;
        this.#sync();
      });
    }
    const now = Date.now();
    for (const [uid, pod] of wanted) {
      const entry = this.#entries.get(uid) ?? this.#admit(uid, pod);
      if (!entry?.plan || entry.state === 'refused' || entry.state === 'stopping') continue;
      const configText = this.#configText(pod, entry.plan);
      if (configText === undefined) continue;
      if (entry.exited === undefined) {
        if (entry.state === 'starting' || (entry.state === 'crashed' && now >= entry.restartAt)) void this.#launch(entry, entry.plan, configText);
      } else if (entry.configText !== undefined && entry.configText !== configText) {
        void this.#restart(entry);
      }
    }
  }

  /** A new entry for a wanted pod, or undefined while the runtime is at its process limit. */
  #admit(uid: string, pod: PodObject): Entry | undefined {
    const live = [...this.#entries.values()].filter((e) => e.state !== 'refused').length + this.#draining;
    const max = this.#opts.maxProcesses ?? 16;
    if (live >= max) {
      if (!this.#warnedFull) this.#log.warn({ max }, 'at the process limit: further pods wait');
      this.#warnedFull = true;
      return undefined;
    }
    this.#warnedFull = false;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const dir = join(this.workDir, `${pod.metadata.namespace}_${pod.metadata.name}`);
    mkdirSync(dir, { recursive: true });
    const planned = launchPlan(pod);
    const entry: Entry = {
      uid,
      pod: key,
      pipeline: pod.metadata.labels?.[LABEL_PIPELINE],
      ip: pod.status!.podIP!,
      plan: planned.ok ? planned.plan : undefined,
      dir,
      logFile: join(dir, 'collector.log'),
      state: 'starting',
      restarts: 0,
      restartAt: 0,
    };
    if (!planned.ok) this.#refuse(entry, planned.error);
    this.#entries.set(uid, entry);
    return entry;
  }

  #configText(pod: PodObject, plan: LaunchPlan): string | undefined {
    const cm = this.#configMaps.store.get(`${pod.metadata.namespace}/${plan.config.configMap}`);
    return cm?.data?.[plan.config.key];
  }

  #refuse(entry: Entry, error: string): void {
    entry.state = 'refused';
    entry.error = error;
    this.#log.error({ pod: entry.pod, error }, 'pod refused: not started');
  }

  async #launch(entry: Entry, plan: LaunchPlan, configText: string): Promise<void> {
    const offending = nonLoopbackEndpoints(configText);
    if (offending.length > 0) {
      this.#refuse(entry, `loopback-only rule: ${offending.join('; ')}`);
      return;
    }
    // Reserve the entry (and its IP) before waiting, so sync launches it once.
    entry.configText = configText;
    entry.state = 'starting';
    let release!: () => void;
    const exited = new Promise<void>((r) => (release = r));
    const previous = this.#ipFree.get(entry.ip);
    this.#ipFree.set(entry.ip, exited);
    entry.exited = exited;
    await previous;
    if (this.#stopped || this.#entries.get(entry.uid) !== entry || entry.state !== 'starting') {
      entry.exited = undefined;
      release();
      return;
    }
    const secretEnv = await this.#readSecretEnv(entry.pod.split('/')[0]!, plan).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (secretEnv instanceof Error) {
      // As the kubelet (CreateContainerConfigError): not started, tried again after a backoff.
      entry.exited = undefined;
      release();
      this.#crashed(entry, secretEnv.message);
      return;
    }
    const configFile = join(entry.dir, 'config.yaml');
    writeFileSync(configFile, configText);
    const fd = openSync(entry.logFile, 'a');
    const args = plan.args.map((a) => (a === CONFIG_PLACEHOLDER ? configFile : a));
    const child = spawn(process.execPath, [join(ROOT, 'src/cli.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TMPDIR: tmpdir(), ...plan.env, ...secretEnv },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    child.on('error', (err) => this.#log.error({ pod: entry.pod, err: err.message }, 'collector process error'));
    entry.child = child;
    this.#log.info({ pod: entry.pod, ip: entry.ip, pid: child.pid }, 'collector started');
    child.once('exit', (code, signal) => {
      clearInterval(entry.probe);
      entry.child = undefined;
      entry.exited = undefined;
      release();
      this.#exits.push({ pod: entry.pod, ip: entry.ip, code, signal, stopped: entry.state === 'stopping', served: entry.served === true, at: Date.now() });
      entry.served = false;
      if (entry.state === 'stopping') return;
      this.#crashed(entry, `exited with ${signal ?? code}`);
      this.#log.warn({ pod: entry.pod, code, signal, logFile: entry.logFile }, 'collector exited; restarting after backoff');
    });
    this.#probe(entry, plan, child);
  }

  #crashed(entry: Entry, error: string): void {
    entry.state = 'crashed';
    entry.error = error;
    entry.restartAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** entry.restarts);
    entry.restarts++;
  }

  /** The Secret-backed variables of the container, read from the API server as the kubelet does at container start. */
  async #readSecretEnv(namespace: string, plan: LaunchPlan): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    const secrets = new Map<string, Promise<{ data?: Record<string, string> }>>();
    for (const ref of plan.secretEnv) {
      if (!secrets.has(ref.secret)) secrets.set(ref.secret, this.#client.request('GET', `/api/v1/namespaces/${namespace}/secrets/${encodeURIComponent(ref.secret)}`));
      const encoded = (await secrets.get(ref.secret)!).data?.[ref.key];
      if (encoded === undefined) throw new Error(`secret ${namespace}/${ref.secret} has no key ${ref.key}`);
      env[ref.name] = Buffer.from(encoded, 'base64').toString('utf8');
    }
    return env;
  }

  /** Readiness as the kubelet runs it: serving while the probe answers 2xx (no probe: once started). */
  #probe(entry: Entry, plan: LaunchPlan, child: ChildProcess): void {
    const readiness = plan.readiness;
    if (!readiness) {
      entry.state = 'serving';
      entry.served = true;
      return;
    }
    const url = `http://${entry.ip}:${readiness.port}${readiness.path}`;
    let failures = 0;
    const check = async () => {
      const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.status >= 200 && r.status < 400, () => false);
      if (entry.child !== child || entry.state === 'stopping') return;
      failures = ok ? 0 : failures + 1;
      if (ok) {
        entry.state = 'serving';
        entry.served = true;
      } else if (entry.state !== 'serving' || failures >= readiness.failureThreshold) entry.state = 'starting';
    };
    clearInterval(entry.probe);
    entry.probe = setInterval(() => void check(), PROBE_INTERVAL_MS);
    void check();
  }

  /** A changed ConfigMap: stop (drain) and start again with the new config (the collector does not reload). */
  async #restart(entry: Entry): Promise<void> {
    this.#log.info({ pod: entry.pod }, 'config changed: restarting collector');
    await this.#terminate(entry, 'config changed');
    if (this.#stopped || this.#entries.get(entry.uid) !== entry) return;
    entry.state = 'starting';
    this.#sync();
  }

  /** SIGTERM, then SIGKILL after the pod's grace period; resolves when the process is gone. */
  async #terminate(entry: Entry, why: string): Promise<void> {
    entry.state = entry.state === 'refused' ? 'refused' : 'stopping';
    clearInterval(entry.probe);
    const child = entry.child;
    const exited = entry.exited;
    if (child) {
      this.#log.info({ pod: entry.pod, pid: child.pid, why }, 'stopping collector (SIGTERM)');
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), (entry.plan?.gracePeriodSeconds ?? 30) * 1000);
      await exited;
      clearTimeout(kill);
    } else {
      await exited;
    }
  }
}
