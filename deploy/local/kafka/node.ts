// One KRaft node of the local launcher (combined broker + controller): its server.properties, its
// JVM process (pid file, log) and the handle a test holds to kill it or start it again on the same
// data and ports. A single broker is one such node; a cluster is several sharing one quorum.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secureListenerProperties, type SecureUsers } from './secure-listener.ts';
import type { BrokerTls } from './tls.ts';

export interface NodePorts {
  /** The PLAINTEXT listener clients and the other brokers use. */
  broker: number;
  controller: number;
  /** The SASL_SSL listener, when the node has one. */
  secure?: number;
}

export interface NodeLayout {
  id: number;
  ports: NodePorts;
  /** The node's folder: pid file, config, log and its log dirs. */
  dir: string;
}

export interface NodeSecurity { tls: BrokerTls; users: SecureUsers }

export interface ClusterShape {
  nodes: NodeLayout[];
  security?: NodeSecurity;
}

export function nodeFiles(dir: string) {
  return {
    pidFile: join(dir, 'broker.pid'),
    logFile: join(dir, 'broker.log'),
    configFile: join(dir, 'server.properties'),
    log4jFile: join(dir, 'log4j2.properties'),
    logDirs: join(dir, 'logs'),
  };
}

export const address = (port: number) => `127.0.0.1:${port}`;

export function serverProperties(node: NodeLayout, shape: ClusterShape): string {
  const { ports } = node;
  const size = shape.nodes.length;
  // Internal topics are replicated across the cluster; one write may be lost of a three-node cluster's
  // quorum of replicas, as in production (replication 3, min ISR 2).
  const internalRf = Math.min(size, 3);
  const internalIsr = internalRf >= 3 ? 2 : 1;
  const secure = shape.security && ports.secure !== undefined;
  const listeners = [`PLAINTEXT://${address(ports.broker)}`, ...(secure ? [`SASL_SSL://${address(ports.secure!)}`] : [])];
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${shape.nodes.map((n) => `${n.id}@${address(n.ports.controller)}`).join(',')}`,
    `listeners=${[...listeners, `CONTROLLER://${address(ports.controller)}`].join(',')}`,
    `advertised.listeners=${listeners.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}`,
    ...(secure ? secureListenerProperties(shape.security!.tls, shape.security!.users) : []),
    `log.dirs=${nodeFiles(node.dir).logDirs}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    `default.replication.factor=${internalRf}`,
    'min.insync.replicas=1',
    `offsets.topic.replication.factor=${internalRf}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${internalRf}`,
    `transaction.state.log.min.isr=${internalIsr}`,
    `share.coordinator.state.topic.replication.factor=${internalRf}`,
    `share.coordinator.state.topic.min.isr=${internalIsr}`,
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=9223372036854775807',
    '',
  ].join('\n');
}

export const log4jConfig = [
  'status = warn',
  'appender.out.type = Console',
  'appender.out.name = out',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.out.ref = out',
  'logger.kafka.name = kafka',
  'logger.kafka.level = WARN',
  'logger.apache.name = org.apache.kafka',
  'logger.apache.level = WARN',
  '',
].join('\n');

export function jvmFlags(heap: string[], log4jFile: string): string[] {
  return [...heap, '-XX:+UseG1GC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4jFile}`];
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function alive(pid: number | undefined): pid is number {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kafka can hang on its way out after a fatal startup error (e.g. its port is taken): spot it in the log. */
const FATAL = /Fatal error during (broker|controller|KafkaServer) startup|Exiting Kafka/;

export function fatalSince(file: string, offset: number): boolean {
  if (!existsSync(file)) return false;
  return FATAL.test(readFileSync(file).subarray(offset).toString('utf8'));
}

export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no broker log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export interface Launched { pid: number; child: ChildProcess; logStart: number }

/** Starts the node's JVM detached (it outlives this process) and records its pid. */
export function launch(dir: string, classpath: string, heap: string[]): Launched {
  const f = nodeFiles(dir);
  const logStart = existsSync(f.logFile) ? statSync(f.logFile).size : 0;
  const out = openSync(f.logFile, 'a');
  const child = spawn('java', [...jvmFlags(heap, f.log4jFile), '-cp', classpath, 'kafka.Kafka', f.configFile],
    { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  writeFileSync(f.pidFile, String(child.pid!));
  return { pid: child.pid!, child, logStart };
}

/** Waits until `pid` is gone; a child of this process is reaped through its exit event. */
export async function waitExit(pid: number, child: ChildProcess | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

/** SIGTERM (a controlled shutdown), then SIGKILL after the grace. Returns whether it was running. */
export async function terminate(pid: number | undefined, child: ChildProcess | undefined, graceMs: number): Promise<boolean> {
  if (!alive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  if (!(await waitExit(pid, child, graceMs))) {
    process.kill(pid, 'SIGKILL');
    await waitExit(pid, child, 10_000);
  }
  return true;
}
