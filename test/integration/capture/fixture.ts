// Shared setup for the capture integration tests, from the local stack's parts (deploy/local/stack/): a
// source OSS server that knows the application user and the replicator, a `crr capture` config whose
// receiver and metrics sit on fixed free ports, `crr capture` as a child process, metrics scraping, and
// reading the changes topic back as decoded ObjectChange records.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { topicOffsets } from '../../../core/adapters/kafka/offsets.ts';
import type { OssClient } from '../../../core/adapters/oss/client.ts';
import { parseConfig } from '../../../core/config/load.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { freePort } from '../../../deploy/local/free-port.ts';
import type { WebhookTarget } from '../../../deploy/local/oss/server.ts';
import { stackConfig } from '../../../deploy/local/stack/config.ts';
import { spawnCrr, type CrrChild } from '../../../deploy/local/stack/crr-child.ts';
import { makePrincipals, REPLICATOR_PRINCIPAL, USER_PRINCIPAL, type Principal } from '../../../deploy/local/stack/principals.ts';
import { LOCAL_REGIONS, startRegion } from '../../../deploy/local/stack/region.ts';
import { decode } from '../../../schemas/codec.ts';
import type { ObjectChange } from '../../../schemas/types.ts';
import { readUntil, testBrokers, type ReadMessage } from '../../helpers/kafka.ts';

export { REPLICATOR_PRINCIPAL, USER_PRINCIPAL };

export interface SourceOss {
  endpoint: string;
  region: string;
  /** Writes as the application (its changes must be captured). */
  user(bucket?: string): OssClient;
  /** Writes as the replicator (its changes are echoes and must be dropped). */
  replicator(bucket?: string): OssClient;
  /** The ObjectStore port on this server, as the application (what the listing poller lists through). */
  store(): ObjectStore;
  createBucket(name: string, versioned?: boolean): Promise<void>;
  /** The application's key pair (what a capture config's source endpoint signs with). */
  userKeys: Principal;
  stop(): Promise<void>;
}

/** A local OSS server whose events go to `webhook` (if given) with a bearer token. */
export async function startSourceOss(webhook?: WebhookTarget): Promise<SourceOss> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crr-capture-oss-'));
  const { user, replicator } = makePrincipals();
  const region = await startRegion({ name: 'source', region: LOCAL_REGIONS.hangzhou, dataDir, credentials: [user, replicator], webhooks: webhook ? [webhook] : [],
    // Virtual-hosted only, as real OSS: the poller's listings must never go path style.
    server: { forbidPathStyle: true } });
  return {
    endpoint: region.endpoint,
    region: region.region,
    user: (bucket) => region.client(user, { bucket, timeoutMs: 30_000 }),
    replicator: (bucket) => region.client(replicator, { bucket, timeoutMs: 30_000 }),
    userKeys: user,
    store: () => region.store(user, { timeoutMs: 30_000 }),
    createBucket: (name, versioned = false) => region.createBucket(user, name, versioned),
    async stop() {
      await region.stop();
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
  /** The compacted state topic (the poller's snapshots). */
  stateTopic: string;
  partitions: number;
  cleanup(): Promise<void>;
}

export interface CaptureSetupOptions {
  partitions?: number;
  /** The source OSS server, for the poller (the receiver never calls OSS, so by default it is a placeholder). */
  source?: SourceOss;
  poller?: { intervalMs: number };
  /** The receiver's capture.receiver.maxBodyBytes (default: the config's). */
  maxBodyBytes?: number;
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
  const token = randomBytes(16).toString('hex');
  const keys = opts.source?.userKeys ?? { accessKeyId: 'unused-by-the-receiver', accessKeySecret: 'unused-by-the-receiver' };
  const nowhere = 'http://127.0.0.1:9';
  const { raw, env } = stackConfig({
    id: uniqueName('cap'), brokers: testBrokers(), envPrefix: 'CAP', partitions, metricsPort,
    endpoints: {
      source: { endpoint: opts.source?.endpoint ?? nowhere, region: opts.source?.region ?? LOCAL_REGIONS.hangzhou, credentials: keys, signatureVersion: 'v1' },
      destination: { endpoint: nowhere, region: LOCAL_REGIONS.shanghai, credentials: keys },
    },
    rules: buckets.map((bucket, i) => ({
      id: `rule-${i}`, source: { endpoint: 'source', bucket }, destination: { endpoint: 'destination', bucket: `${bucket}-replica` }, action: 'ALL',
    })),
    receiver: { port: receiverPort, token },
    poller: opts.poller ? { rules: buckets.map((_, i) => `rule-${i}`), intervalMs: opts.poller.intervalMs } : undefined,
    replicatorPrincipals: [REPLICATOR_PRINCIPAL],
  });
  if (opts.maxBodyBytes !== undefined && raw.capture?.receiver) raw.capture.receiver.maxBodyBytes = opts.maxBodyBytes;
  const configFile = join(dir, 'crr.yaml');
  await writeFile(configFile, stringify(raw));
  return {
    dir, configFile, env, token, receiverPort, partitions,
    receiverUrl: `http://127.0.0.1:${receiverPort}/events`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    changesTopic: parseConfig(raw, env, 'capture fixture').topicNames.changes,
    stateTopic: parseConfig(raw, env, 'capture fixture').topicNames.state,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export type CaptureProcess = CrrChild;

/** Runs `node bin/crr.js <args>` with the given extra environment. */
export function runCrr(args: string[], env: Record<string, string>): CaptureProcess {
  return spawnCrr(args, { env: { ...process.env, CRR_LOG_LEVEL: 'info', ...env } });
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

export async function postJson(url: string, body: string | Blob, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
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
