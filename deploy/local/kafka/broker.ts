// A single-node Apache Kafka broker in KRaft mode (combined broker + controller) on loopback,
// for tests and the quickstart. State lives in a data folder: pid file, config, log, and the log dirs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureJars, projectRoot } from './jars.ts';
import { createKafka } from '../../../core/adapters/kafka/client.ts';
import { answersMetadata as clusterAnswers } from '../../../core/adapters/kafka/cluster.ts';

export const DEFAULT_KAFKA_VERSION = '4.4.0';

export interface BrokerOptions {
  version?: string;
  port?: number;
  controllerPort?: number;
  dataDir?: string;
  cacheRoot?: string;
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface BrokerInfo {
  brokers: string;
  dataDir: string;
  logDirs: string;
  pid: number;
  version: string;
  alreadyRunning: boolean;
}

function resolve(opts: BrokerOptions) {
  const port = opts.port ?? 19092;
  const dataDir = opts.dataDir ?? join(projectRoot, '.data', `kafka-${port}`);
  return {
    version: opts.version ?? DEFAULT_KAFKA_VERSION,
    port,
    controllerPort: opts.controllerPort ?? port + 1,
    dataDir,
    logDirs: join(dataDir, 'logs'),
    pidFile: join(dataDir, 'broker.pid'),
    logFile: join(dataDir, 'broker.log'),
    configFile: join(dataDir, 'server.properties'),
    log: opts.log ?? (() => {}),
    startTimeoutMs: opts.startTimeoutMs ?? 90_000,
    cacheRoot: opts.cacheRoot,
  };
}

function serverProperties(r: ReturnType<typeof resolve>): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${r.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${r.port},CONTROLLER://127.0.0.1:${r.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${r.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${r.logDirs}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=9223372036854775807',
    '',
  ].join('\n');
}

const log4jConfig = [
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

/** A cluster id as Kafka makes them: 16 random bytes, base64url, never starting with '-' (it would read as an option). */
export function clusterUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number | undefined): pid is number {
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

function fatalSince(file: string, offset: number): boolean {
  if (!existsSync(file)) return false;
  return FATAL.test(readFileSync(file).subarray(offset).toString('utf8'));
}

function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no broker log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** True when the broker at `brokers` answers a metadata request. */
export async function answersMetadata(brokers: string, timeoutMs = 3000): Promise<boolean> {
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'crr-launcher', connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, retry: { retries: 0 } });
  return clusterAnswers(kafka);
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

export async function status(opts: BrokerOptions = {}): Promise<{ running: boolean; pid?: number; brokers: string }> {
  const r = resolve(opts);
  const pid = readPid(r.pidFile);
  const brokers = `127.0.0.1:${r.port}`;
  return alive(pid) && (await answersMetadata(brokers)) ? { running: true, pid, brokers } : { running: false, brokers };
}

/** Starts the broker, or reports the one already running in the same data folder. */
export async function start(opts: BrokerOptions = {}): Promise<BrokerInfo> {
  const r = resolve(opts);
  const brokers = `127.0.0.1:${r.port}`;
  const running = readPid(r.pidFile);
  if (alive(running)) {
    if (await answersMetadata(brokers)) {
      r.log(`Kafka is already running on ${brokers} (pid ${running})`);
      return { brokers, dataDir: r.dataDir, logDirs: r.logDirs, pid: running, version: r.version, alreadyRunning: true };
    }
  }
  const libs = ensureJars(r.version, r.cacheRoot, r.log);
  mkdirSync(r.dataDir, { recursive: true });
  writeFileSync(r.configFile, serverProperties(r));
  writeFileSync(join(r.dataDir, 'log4j2.properties'), log4jConfig);
  const classpath = `${libs}/*`;
  const jvm = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(r.dataDir, 'log4j2.properties')}`];

  // A version change or a half-formatted folder is not worth keeping: tests and the demo own it.
  const formattedFor = join(r.dataDir, 'formatted-version');
  if (!existsSync(formattedFor) || readFileSync(formattedFor, 'utf8') !== r.version) {
    rmSync(r.logDirs, { recursive: true, force: true });
    const format = spawnSync('java', [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterUuid()}`, '-c', r.configFile],
      { encoding: 'utf8' });
    if (format.status !== 0) throw new Error(`kafka storage format failed:\n${format.stdout}${format.stderr}`);
    writeFileSync(formattedFor, r.version);
  }

  const logStart = existsSync(r.logFile) ? statSync(r.logFile).size : 0;
  const out = openSync(r.logFile, 'a');
  const child = spawn('java', [...jvm, '-cp', classpath, 'kafka.Kafka', r.configFile],
    { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid!;
  writeFileSync(r.pidFile, String(pid));
  const ready = await waitUntil(() => answersMetadata(brokers, 1000), r.startTimeoutMs, () => alive(pid) && !fatalSince(r.logFile, logStart));
  if (!ready) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    throw new Error(`Kafka did not start on ${brokers} (fatal error, exit, or no answer within ${r.startTimeoutMs} ms). Last lines of ${r.logFile}:\n${tail(r.logFile)}`);
  }
  r.log(`Kafka ${r.version} is running on ${brokers} (pid ${pid})`);
  return { brokers, dataDir: r.dataDir, logDirs: r.logDirs, pid, version: r.version, alreadyRunning: false };
}

/** Stops the broker cleanly (SIGTERM, then SIGKILL after a grace period). */
export async function stop(opts: BrokerOptions & { graceMs?: number; wipe?: boolean } = {}): Promise<boolean> {
  const r = resolve(opts);
  const pid = readPid(r.pidFile);
  let wasRunning = false;
  if (alive(pid)) {
    wasRunning = true;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + (opts.graceMs ?? 30_000);
    while (alive(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(r.pidFile, { force: true });
  if (opts.wipe) rmSync(r.dataDir, { recursive: true, force: true });
  r.log(wasRunning ? `Kafka on 127.0.0.1:${r.port} stopped` : `Kafka on 127.0.0.1:${r.port} was not running`);
  return wasRunning;
}
