// Shared setup for the capture integration tests: a source OSS server with an application user and the
// replicator as two principals, `crr capture` as a child process on fixed free ports, metrics scraping,
// and reading the changes topic back as decoded ObjectChange records.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { topicOffsets } from '../../../core/adapters/kafka/offsets.ts';
import { createOssClient, type OssClient } from '../../../core/adapters/oss/client.ts';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { startOssServer, type OssServer } from '../../../deploy/local/oss/server.ts';
import { projectRoot } from '../../../deploy/local/project-root.ts';
import { decode } from '../../../schemas/codec.ts';
import type { ObjectChange } from '../../../schemas/types.ts';
import { readUntil, testBrokers, type ReadMessage } from '../../helpers/kafka.ts';
import { freePort } from '../../../deploy/local/free-port.ts';

export const USER_PRINCIPAL = 'app-user';
export const REPLICATOR_PRINCIPAL = 'crr-replicator';

export interface SourceOss {
  server: OssServer;
  endpoint: string;
  region: string;
  /** Writes as the application (its changes must be captured). */
  user(bucket?: string): OssClient;
  /** Writes as the replicator (its changes are echoes and must be dropped). */
  replicator(bucket?: string): OssClient;
  /** The ObjectStore port on this server, as the application (what the listing poller lists through). */
  store(): ObjectStore;
  createBucket(name: string, versioned?: boolean): Promise<void>;
  /** The application's key pair as the environment variables a capture config names (CAP_SRC_AK, CAP_SRC_SK). */
  userEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** A local OSS server whose events go to `webhookUrl` (if given) with a bearer token. */
export async function startSourceOss(webhook?: { url: string; token: string }): Promise<SourceOss> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crr-capture-oss-'));
  const user = { accessKeyId: 'app-user-key', accessKeySecret: randomBytes(12).toString('hex'), principalId: USER_PRINCIPAL };
  const replicator = { accessKeyId: 'replicator-key', accessKeySecret: randomBytes(12).toString('hex'), principalId: REPLICATOR_PRINCIPAL };
  const server = await startOssServer({ region: 'oss-cn-hangzhou', dataDir, credentials: [user, replicator], webhooks: webhook ? [webhook] : [] });
  const client = (cred: typeof user, bucket?: string) => createOssClient({
    endpoint: server.endpoint, region: server.region, accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret, bucket, timeoutMs: 30_000,
  });
  return {
    server,
    endpoint: server.endpoint,
    region: server.region,
    user: (bucket) => client(user, bucket),
    replicator: (bucket) => client(replicator, bucket),
    userEnv: { CAP_SRC_AK: user.accessKeyId, CAP_SRC_SK: user.accessKeySecret },
    store: () => createObjectStore({ endpoint: server.endpoint, region: server.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret, timeoutMs: 30_000 }),
    async createBucket(name, versioned = false) {
      const admin = client(user);
      await admin.putBucket(name);
      if (versioned) await admin.putBucketVersioning(name, 'Enabled');
    },
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface CaptureSetup {
  dir: string;
  configFile: string;
  env: Record<string, string>;
  token: string;
  receiverPort: number;
  receiverUrl: string;
  metricsUrl: string;
  changesTopic: string;
  partitions: number;
  cleanup(): Promise<void>;
}

export interface CaptureSetupOptions {
  partitions?: number;
  /** The source OSS server, for the poller (the receiver never calls OSS, so by default it is a placeholder). */
  source?: SourceOss;
  poller?: { intervalMs: number };
}

/**
 * Writes a `crr capture` config for `buckets` (one rule each) with the receiver and metrics on fixed free ports, so
 * the OSS server's webhook URL can be known before it starts and stays valid across a restart of the receiver.
 */
export async function captureSetup(buckets: string[], opts: CaptureSetupOptions = {}): Promise<CaptureSetup> {
  const partitions = opts.partitions ?? 6;
  const dir = await mkdtemp(join(tmpdir(), 'crr-capture-'));
  const receiverPort = await freePort();
  const metricsPort = await freePort();
  const prefix = `${uniqueName('cap')}.`;
  const token = randomBytes(16).toString('hex');
  const config = {
    kafka: { brokers: testBrokers(), clientId: 'crr-capture-test' },
    topics: { prefix, partitions },
    endpoints: {
      source: { endpoint: opts.source?.endpoint ?? 'http://127.0.0.1:9', region: opts.source?.region ?? 'oss-cn-hangzhou', accessKeyIdEnv: 'CAP_SRC_AK', accessKeySecretEnv: 'CAP_SRC_SK', signatureVersion: 'v1' },
      destination: { endpoint: 'http://127.0.0.1:9', region: 'oss-cn-shanghai', accessKeyIdEnv: 'CAP_SRC_AK', accessKeySecretEnv: 'CAP_SRC_SK' },
    },
    rules: buckets.map((bucket, i) => ({
      id: `rule-${i}`, source: { endpoint: 'source', bucket }, destination: { endpoint: 'destination', bucket: `${bucket}-replica` }, action: 'ALL',
    })),
    capture: {
      receiver: { listen: `127.0.0.1:${receiverPort}`, path: '/events', tokenEnv: 'CAP_TOKEN' },
      poller: opts.poller ? { rules: buckets.map((_, i) => `rule-${i}`), intervalMs: opts.poller.intervalMs, stateDir: join(dir, 'poller') } : undefined,
      replicatorPrincipals: [REPLICATOR_PRINCIPAL],
    },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
  };
  const configFile = join(dir, 'crr.yaml');
  await writeFile(configFile, stringify(config));
  return {
    dir, configFile, token, receiverPort, partitions,
    env: { ...(opts.source?.userEnv ?? { CAP_SRC_AK: 'unused-by-the-receiver', CAP_SRC_SK: 'unused-by-the-receiver' }), CAP_TOKEN: token },
    receiverUrl: `http://127.0.0.1:${receiverPort}/events`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    changesTopic: `${prefix}changes`,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface CaptureProcess {
  child: ChildProcess;
  /** Everything the process wrote so far (JSON log lines and stderr), for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node bin/crr.js <args>` with the given extra environment. */
export function runCrr(args: string[], env: Record<string, string>): CaptureProcess {
  const child = spawn(process.execPath, ['bin/crr.js', ...args], {
    cwd: projectRoot, env: { ...process.env, CRR_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exited };
}

/** Starts `crr capture --receiver` (or `--poller`) and resolves once it is up. */
export async function startCaptureProcess(setup: CaptureSetup, mode: 'receiver' | 'poller' = 'receiver', timeoutMs = 30_000): Promise<CaptureProcess> {
  const p = runCrr(['capture', '--config', setup.configFile, `--${mode}`], setup.env);
  const deadline = Date.now() + timeoutMs;
  const ready = mode === 'receiver' ? 'notification receiver listening' : 'listing poller started';
  while (!p.output().includes(ready)) {
    const done = await Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
    if (done) throw new Error(`crr capture exited early (${JSON.stringify(done)}):\n${p.output()}`);
    if (Date.now() > deadline) {
      p.child.kill('SIGKILL');
      throw new Error(`crr capture did not start within ${timeoutMs} ms:\n${p.output()}`);
    }
  }
  return p;
}

/** The value of one sample of a Prometheus text exposition (0 when absent). */
export async function scrape(metricsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (want.every((w) => have.includes(w))) total += Number(m[3]);
  }
  return total;
}

/** Sum over partitions of the topic's end offsets (how many records it ever received). */
export async function topicEnd(kafka: KafkaClient, topic: string): Promise<number> {
  return (await topicOffsets(kafka, topic)).reduce((n, p) => n + Number(p.high), 0);
}

export interface ReadChange { message: ReadMessage; change: ObjectChange }

/** Reads the changes topic from the start until `done` holds over the decoded changes. */
export async function readChanges(kafka: KafkaClient, topic: string, done: (changes: ReadChange[]) => boolean, timeoutMs = 60_000): Promise<ReadChange[]> {
  let decoded: ReadChange[] = [];
  const messages = await readUntil(kafka, topic, (ms) => {
    for (let i = decoded.length; i < ms.length; i++) decoded.push({ message: ms[i], change: decode('ObjectChange', ms[i].value!) });
    return done(decoded);
  }, timeoutMs);
  if (decoded.length !== messages.length) decoded = messages.map((m) => ({ message: m, change: decode('ObjectChange', m.value!) }));
  return decoded;
}

export async function postJson(url: string, body: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** One EventBridge event as the OSS server sends it (enough of it for the receiver). */
export function ossEvent(bucket: string, key: string, opts: { principalId?: string; eventName?: string; id?: string } = {}): Record<string, unknown> {
  const time = new Date().toISOString();
  const eventName = opts.eventName ?? 'ObjectCreated:PutObject';
  return {
    id: opts.id ?? randomBytes(8).toString('hex'), source: 'acs.oss', specversion: '1.0', type: `oss:${eventName}`, time,
    data: {
      region: 'cn-hangzhou', eventName, eventTime: time, userIdentity: { principalId: opts.principalId ?? USER_PRINCIPAL },
      oss: { bucket: { name: bucket }, object: { key, size: 3, eTag: '900150983CD24FB0D6963F7D28E17F72' } },
    },
  };
}
