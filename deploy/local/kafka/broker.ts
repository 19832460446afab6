// The local Apache Kafka launcher: a single KRaft node (the default) or a cluster of combined
// broker+controller nodes sharing one quorum, on loopback, for tests, benchmarks and the quickstart;
// optionally with a SASL_SSL listener beside PLAINTEXT. State lives in a data folder: per node a pid
// file, config, log and log dirs; the TLS material and the users of the secured listener.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../project-root.ts';
import { ensureJars } from './jars.ts';
import {
  address, alive, fatalSince, launch, log4jConfig, nodeFiles, readPid, serverProperties, tail, terminate, waitExit,
  type ClusterShape, type Launched, type NodeLayout, type NodePorts,
} from './node.ts';
import { formatStorage } from './format.ts';
import { secureListener, secureUsers, type SecureListener } from './secure-listener.ts';
import { makeBrokerTls, planBrokerTls } from './tls.ts';
import { createKafka } from '../../../core/adapters/kafka/client.ts';
import { answersMetadata as clusterAnswers } from '../../../core/adapters/kafka/cluster.ts';

export { clusterUuid } from './format.ts';
export type { NodePorts } from './node.ts';
export type { SecureListener } from './secure-listener.ts';

export const DEFAULT_KAFKA_VERSION = '4.4.0';

export interface BrokerOptions {
  version?: string;
  /** Nodes in the cluster: 1 (the default) is a single broker; 3 is a three-node KRaft cluster. */
  brokers?: number;
  /** The first node's PLAINTEXT port (default 19092, or 19192 for a cluster); see `nodePorts` for the layout. */
  port?: number;
  /** A single node's controller port (default port + 1). */
  controllerPort?: number;
  /** A single node's SASL_SSL port (default port + 2). */
  securePort?: number;
  /** Every node's ports, overriding the layout derived from `port`. */
  nodePorts?: NodePorts[];
  /** Open a SASL_SSL listener on every node (TLS from a generated CA, SCRAM and PLAIN users). */
  secure?: boolean;
  /** Where the TLS material lives (default <dataDir>/tls); one kept outside a wiped data folder is reused. */
  tlsDir?: string;
  dataDir?: string;
  cacheRoot?: string;
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

/** One node of a running broker or cluster: what a fault test needs to kill it and bring it back. */
export interface KafkaNode {
  id: number;
  /** Its PLAINTEXT address (host:port). */
  brokers: string;
  /** Its SASL_SSL address, when secured. */
  secureBrokers?: string;
  controller: string;
  dataDir: string;
  logDirs: string;
  logFile: string;
  pid(): number | undefined;
  running(): boolean;
  /** Sends `signal` (SIGKILL by default) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again on the same data and ports; resolves once it is back in the cluster. */
  restart(): Promise<void>;
  /** Stops the node (SIGTERM, SIGKILL after the grace). */
  stop(graceMs?: number): Promise<void>;
}

export interface BrokerInfo {
  /** The bootstrap list, comma-separated (every node's PLAINTEXT address). */
  brokers: string;
  bootstrap: string[];
  nodes: KafkaNode[];
  /** The secured listener, when started with `secure`. */
  secure?: SecureListener;
  dataDir: string;
  /** The first node's log dirs (the only node's, for a single broker). */
  logDirs: string;
  /** The first node's pid. */
  pid: number;
  version: string;
  alreadyRunning: boolean;
  /** Stops every node; `wipe` removes the data folder too. */
  stop(opts?: { graceMs?: number; wipe?: boolean }): Promise<boolean>;
}

function layout(opts: BrokerOptions) {
  const size = opts.brokers ?? 1;
  if (!Number.isInteger(size) || size < 1 || size > 9) throw new Error(`brokers must be a whole number from 1 to 9, got ${size}`);
  const port = opts.port ?? (size === 1 ? 19092 : 19192);
  const dataDir = opts.dataDir ?? join(projectRoot, '.data', size === 1 ? `kafka-${port}` : `kafka-cluster-${port}`);
  // Node i (from 0) listens on port + 2i, its controller on port + 2i + 1, its SASL_SSL listener on
  // port + 2·size + i: a single node keeps the launcher's historic port, port + 1 pair.
  const nodes: NodeLayout[] = Array.from({ length: size }, (_, i) => {
    const derived: NodePorts = { broker: port + 2 * i, controller: port + 2 * i + 1, secure: port + 2 * size + i };
    if (size === 1) Object.assign(derived, { controller: opts.controllerPort ?? derived.controller, secure: opts.securePort ?? derived.secure });
    const ports = opts.nodePorts?.[i] ?? derived;
    return { id: i + 1, ports: { ...ports, secure: opts.secure ? ports.secure ?? derived.secure : undefined },
      dir: size === 1 ? dataDir : join(dataDir, `node-${i + 1}`) };
  });
  return {
    size,
    nodes,
    dataDir,
    version: opts.version ?? DEFAULT_KAFKA_VERSION,
    secure: opts.secure ?? false,
    tlsDir: opts.tlsDir ?? join(dataDir, 'tls'),
    log: opts.log ?? (() => {}),
    startTimeoutMs: opts.startTimeoutMs ?? 90_000,
    cacheRoot: opts.cacheRoot,
    // A single broker keeps its historic heap; cluster nodes get less each (three JVMs on a small machine).
    heap: size === 1 ? ['-Xms256m', '-Xmx1g'] : ['-Xms128m', '-Xmx512m'],
  };
}

type Layout = ReturnType<typeof layout>;

/** True when the broker(s) at `brokers` answer a metadata request, listing at least `minBrokers`. */
export async function answersMetadata(brokers: string, timeoutMs = 3000, minBrokers = 1): Promise<boolean> {
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'crr-launcher', connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, retry: { retries: 0 } });
  return clusterAnswers(kafka, minBrokers);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, onWait: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    if (!onWait()) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const nodePid = (n: NodeLayout) => readPid(nodeFiles(n.dir).pidFile);

/** A node is ready when it answers on its own listener and sees the whole cluster. */
const nodeReady = (l: Layout, n: NodeLayout) => answersMetadata(address(n.ports.broker), 1000, l.size);

/** The SASL_SSL address a node's written config opens, if any. */
function configuredSecureAddress(n: NodeLayout): string | undefined {
  const file = nodeFiles(n.dir).configFile;
  if (!existsSync(file)) return undefined;
  return /^listeners=.*SASL_SSL:\/\/([^,\s]+)/m.exec(readFileSync(file, 'utf8'))?.[1];
}

function secureInfo(l: Layout): SecureListener | undefined {
  const addresses = l.nodes.map(configuredSecureAddress);
  // The TLS record sits beside the keystore the first node's config names.
  const config = nodeFiles(l.nodes[0].dir).configFile;
  const keystore = existsSync(config) ? /^listener\.name\.sasl_ssl\.ssl\.keystore\.location=(.+)$/m.exec(readFileSync(config, 'utf8'))?.[1] : undefined;
  const record = keystore && join(dirname(keystore), 'tls.json');
  if (addresses.some((a) => a === undefined) || !record || !existsSync(record)) return undefined;
  return secureListener(addresses as string[], JSON.parse(readFileSync(record, 'utf8')), secureUsers(l.dataDir));
}

async function waitReady(l: Layout, n: NodeLayout, launched: Launched): Promise<void> {
  const f = nodeFiles(n.dir);
  const ok = await waitUntil(() => nodeReady(l, n), l.startTimeoutMs, () => alive(launched.pid) && !fatalSince(f.logFile, launched.logStart));
  if (!ok) {
    if (alive(launched.pid)) process.kill(launched.pid, 'SIGKILL');
    throw new Error(`Kafka did not start on ${address(n.ports.broker)} (fatal error, exit, or no answer within ${l.startTimeoutMs} ms). Last lines of ${f.logFile}:\n${tail(f.logFile)}`);
  }
}

function handles(l: Layout, classpath: () => string, launchedNow: Map<number, Launched>): KafkaNode[] {
  return l.nodes.map((n) => {
    const f = nodeFiles(n.dir);
    const own = () => launchedNow.get(n.id);
    const pidNow = () => (alive(nodePid(n)) ? nodePid(n) : undefined);
    return {
      id: n.id,
      brokers: address(n.ports.broker),
      secureBrokers: n.ports.secure !== undefined ? address(n.ports.secure) : undefined,
      controller: address(n.ports.controller),
      dataDir: n.dir,
      logDirs: f.logDirs,
      logFile: f.logFile,
      pid: pidNow,
      running: () => pidNow() !== undefined,
      async kill(signal = 'SIGKILL') {
        const pid = pidNow();
        if (pid === undefined) return;
        process.kill(pid, signal);
        await waitExit(pid, own()?.child, 30_000);
      },
      async restart() {
        if (pidNow() !== undefined) throw new Error(`node ${n.id} is still running (pid ${pidNow()}): kill or stop it first`);
        const launched = launch(n.dir, classpath(), l.heap);
        launchedNow.set(n.id, launched);
        await waitReady(l, n, launched);
      },
      async stop(graceMs = 30_000) {
        await terminate(pidNow(), own()?.child, graceMs);
        rmSync(f.pidFile, { force: true });
      },
    };
  });
}

function info(l: Layout, nodes: KafkaNode[], alreadyRunning: boolean): BrokerInfo {
  const bootstrap = nodes.map((n) => n.brokers);
  return {
    brokers: bootstrap.join(','), bootstrap, nodes, secure: secureInfo(l), dataDir: l.dataDir, logDirs: nodes[0].logDirs,
    pid: nodes[0].pid() ?? 0, version: l.version, alreadyRunning,
    stop: async (o = {}) => {
      const results = await Promise.all(nodes.map(async (n) => { const was = n.running(); await n.stop(o.graceMs); return was; }));
      if (o.wipe) rmSync(l.dataDir, { recursive: true, force: true });
      return results.some(Boolean);
    },
  };
}

export async function status(opts: BrokerOptions = {}): Promise<{ running: boolean; pid?: number; brokers: string; nodes: { id: number; brokers: string; pid?: number; running: boolean }[]; secure?: SecureListener }> {
  const l = layout(opts);
  const nodes = await Promise.all(l.nodes.map(async (n) => {
    const pid = nodePid(n);
    const up = alive(pid) && (await answersMetadata(address(n.ports.broker)));
    return { id: n.id, brokers: address(n.ports.broker), pid: up ? pid : undefined, running: up };
  }));
  const running = nodes.every((n) => n.running);
  return { running, pid: nodes[0].pid, brokers: nodes.map((n) => n.brokers).join(','), nodes, secure: running ? secureInfo(l) : undefined };
}

/** Starts the broker (or cluster), or reports the one already running in the same data folder. */
export async function start(opts: BrokerOptions = {}): Promise<BrokerInfo> {
  const l = layout(opts);
  let libs: string | undefined;
  const classpath = () => `${(libs ??= ensureJars(l.version, l.cacheRoot, l.log))}/*`;
  const launched = new Map<number, Launched>();
  const bootstrap = l.nodes.map((n) => address(n.ports.broker)).join(',');
  const runningNodes = l.nodes.filter((n) => alive(nodePid(n)));
  const sameListeners = l.nodes.every((n) => (configuredSecureAddress(n) !== undefined) === l.secure);
  if (runningNodes.length === l.size && sameListeners && (await Promise.all(l.nodes.map((n) => nodeReady(l, n)))).every(Boolean)) {
    l.log(`Kafka is already running on ${bootstrap} (pid ${l.nodes.map(nodePid).join(', ')})`);
    return info(l, handles(l, classpath, launched), true);
  }
  // Half a cluster, a hung node or other listeners are not worth keeping: stop what runs, start every node.
  await Promise.all(runningNodes.map((n) => terminate(nodePid(n), undefined, 10_000)));

  mkdirSync(l.dataDir, { recursive: true });
  const shape: ClusterShape = { nodes: l.nodes };
  const tls = l.secure ? planBrokerTls(l.tlsDir) : undefined;
  if (tls) shape.security = { tls: tls.tls, users: secureUsers(l.dataDir) };
  for (const n of l.nodes) {
    const f = nodeFiles(n.dir);
    mkdirSync(n.dir, { recursive: true });
    writeFileSync(f.configFile, serverProperties(n, shape), { mode: 0o600 });
    chmodSync(f.configFile, 0o600); // it holds the keystore password and the PLAIN user's, even if an older start made it
    writeFileSync(f.log4jFile, log4jConfig);
  }
  // A version change or a half-formatted folder is not worth keeping either: tests and the demo own it.
  // The configs name the TLS files by their planned paths: the storage tool does not read them.
  await Promise.all([formatStorage(l.dataDir, l.version, shape, classpath()), tls && !tls.made ? makeBrokerTls(tls.tls, l.log) : undefined]);
  for (const n of l.nodes) launched.set(n.id, launch(n.dir, classpath(), l.heap));
  try {
    // Every node must be up before any is ready: a node sees the whole cluster only once all registered.
    await Promise.all(l.nodes.map((n) => waitReady(l, n, launched.get(n.id)!)));
  } catch (err) {
    for (const { pid } of launched.values()) if (alive(pid)) process.kill(pid, 'SIGKILL');
    throw err;
  }
  const result = info(l, handles(l, classpath, launched), false);
  l.log(`Kafka ${l.version} is running on ${result.brokers} (pid ${l.nodes.map(nodePid).join(', ')})`
    + (result.secure ? `; SASL_SSL on ${result.secure.brokers}` : ''));
  return result;
}

/** Stops the broker (or every node of the cluster) cleanly: SIGTERM, then SIGKILL after a grace period. */
export async function stop(opts: BrokerOptions & { graceMs?: number; wipe?: boolean } = {}): Promise<boolean> {
  const l = layout(opts);
  const was = await Promise.all(l.nodes.map(async (n) => {
    const f = nodeFiles(n.dir);
    const running = await terminate(readPid(f.pidFile), undefined, opts.graceMs ?? 30_000);
    rmSync(f.pidFile, { force: true });
    return running;
  }));
  if (opts.wipe) rmSync(l.dataDir, { recursive: true, force: true });
  const bootstrap = l.nodes.map((n) => address(n.ports.broker)).join(',');
  const wasRunning = was.some(Boolean);
  l.log(wasRunning ? `Kafka on ${bootstrap} stopped` : `Kafka on ${bootstrap} was not running`);
  return wasRunning;
}
