// Test helper: the whole pipeline as the demo wires it (two local OSS servers as two regions, the
// notification receiver, processing in this process or as `crr process` children) for one test's rules.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import type { KafkaClient } from '../../core/adapters/kafka/client.ts';
import { consumerOpener } from '../../core/adapters/kafka/consumer.ts';
import { createProducer, type BusProducer } from '../../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../../core/adapters/kafka/topics.ts';
import { createOssClient } from '../../core/adapters/oss/client.ts';
import { createObjectStore } from '../../core/adapters/oss/object-store.ts';
import { busTopicSpecs } from '../../core/bus-topics.ts';
import { parseConfig, type CrrConfig } from '../../core/config/load.ts';
import { createLogger } from '../../core/logging.ts';
import { createMetrics, type CrrMetrics } from '../../core/metrics/metrics.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { fastRetryPolicy, type RetryPolicy } from '../../core/retry.ts';
import { startOssServer, type OssServer } from '../../deploy/local/oss/server.ts';
import { startProcessing, type Processing } from '../../processors/start-processing.ts';
import { verifyRule, type VerifyReport } from '../../processors/verify.ts';
import { startCapture, type Capture } from '../../producers/capture.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';
import { testBrokers, testKafka } from './kafka.ts';
import { freePort } from '../../deploy/local/free-port.ts';

import { projectRoot } from '../../deploy/local/project-root.ts';

export { projectRoot };

export interface RuleSpec {
  id: string;
  /** Bucket short names; the real names get a per-run suffix. Sources live on hangzhou, destinations on shanghai. */
  source: string;
  destination: string;
  action?: 'ALL' | 'PUT';
  versioned?: boolean;
}

export interface StackOptions {
  rules: RuleSpec[];
  partitions?: number;
  processing?: { concurrency?: number; multipartThresholdBytes?: number; partSizeBytes?: number; retries?: number; sessionTimeoutMs?: number; rebalanceTimeoutMs?: number;
    handoverGraceMs?: number };
}

export interface ProcessorChild { child: ChildProcess; metricsUrl: string; exited: Promise<void> }

export interface Stack {
  run: string;
  dir: string;
  config: CrrConfig;
  configFile: string;
  /** Environment for `crr` children: the replicator's keys and the receiver token. */
  env: NodeJS.ProcessEnv;
  kafka: KafkaClient;
  producer: BusProducer;
  metrics: CrrMetrics;
  hz: OssServer;
  sh: OssServer;
  /** The application's own writes (not the replicator's), on each region. */
  writer: { hz: ObjectStore; sh: ObjectStore };
  /** Replicator stores counted in `metrics` (what in-process processing uses). */
  storeFor: (endpoint: string, ruleId?: string) => ObjectStore;
  bucket(short: string): string;
  /** Events the source region emitted so far (its event log). */
  eventsEmitted(): number;
  startProcessing(opts?: { retryPolicy?: RetryPolicy; groupId?: string; metrics?: CrrMetrics }): Promise<Processing>;
  /** A `crr process` child on this stack's config (own metrics port; optionally another consumer group). */
  spawnProcessor(opts?: { env?: NodeJS.ProcessEnv; groupId?: string }): Promise<ProcessorChild>;
  verify(ruleId: string): Promise<VerifyReport>;
  /** Polls until every named rule verifies with no difference; throws with the last report otherwise. */
  waitConverged(ruleIds: string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Sum of a counter's (or gauge's) values whose labels pass `filter`. */
export async function metricSum(metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  filter: (labels: Record<string, unknown>) => boolean = () => true): Promise<number> {
  const data = await metric.get();
  return data.values.filter((v) => filter(v.labels)).reduce((n, v) => n + v.value, 0);
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const run = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'crr-pipeline-'));
  const user = { accessKeyId: 'app-user', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'app-user' };
  const replicator = { accessKeyId: 'crr-replicator', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'crr-replicator' };
  const token = randomBytes(16).toString('hex');
  const receiverPort = await freePort();
  const eventLog = join(dir, 'hz-events.log');
  const hz = await startOssServer({ region: 'oss-cn-hangzhou', dataDir: join(dir, 'hz'), credentials: [user, replicator],
    webhooks: [{ url: `http://127.0.0.1:${receiverPort}/events`, token }], eventLogFile: eventLog });
  const sh = await startOssServer({ region: 'oss-cn-shanghai', dataDir: join(dir, 'sh'), credentials: [user, replicator] });
  const bucket = (short: string) => `${short}-${run}`;
  const writer = {
    hz: createObjectStore({ endpoint: hz.endpoint, region: hz.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret, timeoutMs: 30_000 }),
    sh: createObjectStore({ endpoint: sh.endpoint, region: sh.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret, timeoutMs: 30_000 }),
  };
  const versioned = new Map<string, boolean>();
  for (const r of opts.rules) {
    versioned.set(`hz/${r.source}`, Boolean(r.versioned));
    versioned.set(`sh/${r.destination}`, Boolean(r.versioned));
  }
  for (const [id, v] of versioned) {
    const [side, short] = id.split('/');
    const server = side === 'hz' ? hz : sh;
    const client = createOssClient({ endpoint: server.endpoint, region: server.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret });
    await client.putBucket(bucket(short));
    if (v) await client.putBucketVersioning(bucket(short), 'Enabled');
  }

  const env: NodeJS.ProcessEnv = { CRR_HZ_AK: replicator.accessKeyId, CRR_HZ_SK: replicator.accessKeySecret, CRR_SH_AK: replicator.accessKeyId,
    CRR_SH_SK: replicator.accessKeySecret, CRR_TOKEN: token };
  const raw = {
    kafka: { brokers: testBrokers(), clientId: `crr-pipeline-${run}` },
    topics: { prefix: `crr-pipeline-${run}.`, partitions: opts.partitions ?? 6 },
    endpoints: {
      hangzhou: { endpoint: hz.endpoint, region: hz.region, accessKeyIdEnv: 'CRR_HZ_AK', accessKeySecretEnv: 'CRR_HZ_SK', timeoutMs: 20_000 },
      shanghai: { endpoint: sh.endpoint, region: sh.region, accessKeyIdEnv: 'CRR_SH_AK', accessKeySecretEnv: 'CRR_SH_SK', timeoutMs: 20_000 },
    },
    rules: opts.rules.map((r) => ({ id: r.id, source: { endpoint: 'hangzhou', bucket: bucket(r.source) },
      destination: { endpoint: 'shanghai', bucket: bucket(r.destination) }, action: r.action ?? 'ALL' })),
    capture: { receiver: { listen: `127.0.0.1:${receiverPort}`, tokenEnv: 'CRR_TOKEN' }, replicatorPrincipals: ['crr-replicator'] },
    processing: { groupId: `crr-pipeline-${run}`, concurrency: 64, multipartThresholdBytes: 2 * 1024 * 1024, partSizeBytes: 1024 * 1024,
      retries: 8, ...opts.processing },
    metrics: { listen: `127.0.0.1:${await freePort()}` },
  };
  const config = parseConfig(raw, env, 'pipeline test');
  const configFile = join(dir, 'crr.yaml');
  writeFileSync(configFile, stringify(raw));

  const logger = createLogger('pipeline-test', process.env.CRR_LOG_LEVEL ?? 'silent');
  const kafka = testKafka(`crr-pipeline-${run}`);
  await ensureTopics(kafka, busTopicSpecs(config));
  const metrics = createMetrics(new Registry());
  const producer = await createProducer(kafka);
  const storeFor = storeFactory(config, metrics);
  const capture: Capture = await startCapture({ config, producer, storeFor, metrics, logger, receiverToken: token }, { receiver: true, poller: false });
  const processings: Processing[] = [];
  const children: ProcessorChild[] = [];

  const ruleOf = (id: string) => {
    const r = config.rules.find((x) => x.id === id);
    if (!r) throw new Error(`no rule ${id}`);
    return r;
  };
  const stack: Stack = {
    run, dir, config, configFile, env, kafka, producer, metrics, hz, sh, writer, storeFor, bucket,
    eventsEmitted() {
      try {
        return readFileSync(eventLog, 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    async startProcessing(o = {}) {
      const m = o.metrics ?? metrics;
      const p = await startProcessing({
        config: o.groupId ? { ...config, processing: { ...config.processing, groupId: o.groupId } } : config,
        openConsumer: consumerOpener(kafka), producer, storeFor: o.metrics ? storeFactory(config, m) : storeFor, metrics: m, logger,
        retryPolicy: o.retryPolicy ?? { ...fastRetryPolicy, retries: config.processing.retries },
      });
      processings.push(p);
      return p;
    },
    async spawnProcessor(o = {}) {
      const port = await freePort();
      const file = join(dir, `crr-process-${port}.yaml`);
      writeFileSync(file, stringify({ ...raw, metrics: { listen: `127.0.0.1:${port}` },
        processing: { ...raw.processing, groupId: o.groupId ?? raw.processing.groupId } }));
      const log = createWriteStream(join(dir, 'processors.log'), { flags: 'a' });
      const child = spawn(process.execPath, [join(projectRoot, 'bin/crr.js'), 'process', '--config', file], {
        cwd: projectRoot,
        env: { ...process.env, ...env, CRR_LOG_LEVEL: process.env.CRR_LOG_LEVEL ?? 'warn', ...o.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const pc = { child, metricsUrl: `http://127.0.0.1:${port}/metrics`, exited };
      children.push(pc);
      return pc;
    },
    async verify(ruleId) {
      const r = ruleOf(ruleId);
      return verifyRule({ source: storeFor(r.source.endpoint), sourceBucket: r.source.bucket, destination: storeFor(r.destination.endpoint),
        destinationBucket: r.destination.bucket, action: r.action, versioned: Boolean(versioned.get(`hz/${opts.rules.find((x) => x.id === ruleId)!.source}`)) });
    },
    async waitConverged(ruleIds, timeoutMs = 60_000) {
      let last: { rule: string; report: VerifyReport } | undefined;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        last = undefined;
        for (const id of ruleIds) {
          const report = await stack.verify(id);
          if (report.differences.length) {
            last = { rule: id, report };
            break;
          }
        }
        if (!last) return;
        if (Date.now() > deadline) {
          throw new Error(`rule ${last.rule} did not converge in ${timeoutMs} ms: ${last.report.differences.length} differences, e.g. ` +
            JSON.stringify(last.report.differences.slice(0, 5)));
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async stop() {
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await capture.stop();
      await Promise.all(processings.map((p) => p.stop().catch(() => {})));
      await producer.disconnect();
      await hz.stop();
      await sh.stop();
      if (!process.env.CRR_KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Reads a Prometheus text exposition into `name{labels} -> value` samples. */
export async function scrape(url: string): Promise<{ name: string; labels: Record<string, string>; value: number }[]> {
  const text = await (await fetch(url)).text();
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}
