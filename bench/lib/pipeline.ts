// The real-time pipeline wired for a benchmark: a config for one rule between the two child OSS servers,
// and capture (notification receiver) plus processing started in this process, with a hook that reports
// when each destination write is acknowledged (the moment the replica becomes readable).
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { createKafka, type KafkaClient } from '../../core/adapters/kafka/client.ts';
import { consumerOpener } from '../../core/adapters/kafka/consumer.ts';
import { createProducer, type BusProducer } from '../../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../../core/adapters/kafka/topics.ts';
import { createObjectStore } from '../../core/adapters/oss/object-store.ts';
import { busTopicSpecs } from '../../core/bus-topics.ts';
import { parseConfig, type CrrConfig } from '../../core/config/load.ts';
import { createLogger } from '../../core/logging.ts';
import { createMetrics, type CrrMetrics } from '../../core/metrics/metrics.ts';
import { decorateStore, type ObjectStore } from '../../core/ports/object-store.ts';
import { start as startBroker } from '../../deploy/local/kafka/broker.ts';
import { startProcessing } from '../../processors/start-processing.ts';
import { startCapture } from '../../producers/capture.ts';
import type { OssPair } from './oss-servers.ts';

/** KAFKA_BROKERS when set, else the local broker on 19092 (started if it is not running). */
export async function benchBrokers(): Promise<string> {
  return process.env.KAFKA_BROKERS ?? (await startBroker({ port: 19092 })).brokers;
}

export interface BenchConfigOptions {
  brokers: string;
  pair: OssPair;
  sourceBucket: string;
  destinationBucket: string;
  receiverPort: number;
  /** The receiver's bearer token (the source server's webhook carries it). */
  receiverToken: string;
  metricsPort: number;
  concurrency: number;
  partitions?: number;
  /** The rule's key prefixes (keys outside them are captured as unmatched and dropped). */
  prefixes?: string[];
  multipartThresholdBytes?: number;
  partSizeBytes?: number;
  partConcurrency?: number;
}

/** The config file's content (no secrets: it names env variables) and the environment that holds them. */
export function benchConfig(o: BenchConfigOptions): { raw: Record<string, unknown>; env: Record<string, string> } {
  const run = randomBytes(4).toString('hex');
  const env = { BENCH_AK: o.pair.replicator.accessKeyId, BENCH_SK: o.pair.replicator.accessKeySecret, BENCH_TOKEN: o.receiverToken };
  // The processor signs V4 (the config default) unless BENCH_SIGNATURE=v1, to measure what V4 signing costs.
  const signatureVersion = process.env.BENCH_SIGNATURE === 'v1' ? 'v1' : 'v4';
  const ep = (s: { endpoint: string; region: string }) => ({ endpoint: s.endpoint, region: s.region, accessKeyIdEnv: 'BENCH_AK', accessKeySecretEnv: 'BENCH_SK',
    signatureVersion });
  const raw = {
    kafka: { brokers: o.brokers.split(','), clientId: 'crr-bench' },
    topics: { prefix: `crr-bench-${run}.`, partitions: o.partitions ?? 12 },
    endpoints: { source: ep(o.pair.source), destination: ep(o.pair.destination) },
    rules: [{ id: 'bench', source: { endpoint: 'source', bucket: o.sourceBucket }, destination: { endpoint: 'destination', bucket: o.destinationBucket },
      prefixes: o.prefixes ?? [], action: 'ALL' }],
    capture: { receiver: { listen: `127.0.0.1:${o.receiverPort}`, tokenEnv: 'BENCH_TOKEN' }, replicatorPrincipals: [o.pair.replicator.principalId] },
    processing: {
      groupId: `crr-bench-${run}`, concurrency: o.concurrency,
      ...(o.multipartThresholdBytes ? { multipartThresholdBytes: o.multipartThresholdBytes } : {}),
      ...(o.partSizeBytes ? { partSizeBytes: o.partSizeBytes } : {}),
      ...(o.partConcurrency ? { partConcurrency: o.partConcurrency } : {}),
    },
    metrics: { listen: `127.0.0.1:${o.metricsPort}` },
  };
  return { raw, env };
}

export interface Pipeline {
  config: CrrConfig;
  kafka: KafkaClient;
  metrics: CrrMetrics;
  /** The processor's runner: keys in flight and messages buffered (zeros when processing runs elsewhere). */
  runnerLoad(): { inFlight: number; buffered: number };
  stop(): Promise<void>;
}

export interface PipelineOptions {
  /** Start processing in this process (false: only capture; the processor runs elsewhere). */
  processing: boolean;
  /** Called when a destination PUT (or multipart completion) is acknowledged, with the key and the time. */
  onDestinationWrite?: (key: string, at: number) => void;
}

/** A store whose acknowledged writes are reported: the replica is readable from that instant. */
function observed(outer: ObjectStore, onWrite: (key: string, at: number) => void): ObjectStore {
  return decorateStore(outer, (store) => ({
    putObject: async (bucket, key, body, o) => {
      const r = await store.putObject(bucket, key, body, o);
      onWrite(key, Date.now());
      return r;
    },
    completeMultipart: async (bucket, key, uploadId, parts) => {
      const r = await store.completeMultipart(bucket, key, uploadId, parts);
      onWrite(key, Date.now());
      return r;
    },
  }));
}

/** Time spent per store operation (BENCH_TRACE=1): where a reconcile's time goes. */
export const opTimes = new Map<string, { n: number; ms: number }>();

function timed(side: string, outer: ObjectStore): ObjectStore {
  return decorateStore(outer, (store) => timedOps(side, store));
}

function timedOps(side: string, store: ObjectStore): Partial<ObjectStore> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(store) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    if (name === 'signal' || name === 'withSignal') continue;
    out[name] = async (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return await fn(...args);
      } finally {
        const e = opTimes.get(`${side}.${name}`) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += performance.now() - t0;
        opTimes.set(`${side}.${name}`, e);
      }
    };
  }
  return out as Partial<ObjectStore>;
}

function timedProducer(name: string, producer: BusProducer): BusProducer {
  if (!process.env.BENCH_TRACE) return producer;
  const record = (key: string, t0: number) => {
    const e = opTimes.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += performance.now() - t0;
    opTimes.set(key, e);
  };
  return {
    ...producer,
    send: async (topic, records) => {
      const t0 = performance.now();
      try {
        return await producer.send(topic, records);
      } finally {
        record(`${name}.produce ${topic.slice(topic.lastIndexOf('.') + 1)}`, t0);
      }
    },
  };
}

export async function startPipeline(cfg: { raw: Record<string, unknown>; env: Record<string, string> }, opts: PipelineOptions): Promise<Pipeline> {
  const config = parseConfig(cfg.raw, cfg.env, 'bench');
  const logger = createLogger('crr-bench', process.env.CRR_LOG_LEVEL ?? 'warn');
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'crr-bench' });
  await ensureTopics(kafka, busTopicSpecs(config));
  const metrics = createMetrics(new Registry());
  const stores = new Map<string, ObjectStore>();
  const storeFor = (name: string): ObjectStore => {
    let store = stores.get(name);
    if (!store) {
      const ep = config.endpoint(name);
      store = createObjectStore({ endpoint: ep.endpoint, region: ep.region, signatureVersion: ep.signatureVersion, timeoutMs: ep.timeoutMs,
        ...config.credentials(name), onRequest: (op, result) => metrics.ossRequests.inc({ rule: 'bench', op, result }) });
      if (process.env.BENCH_TRACE) store = timed(name, store);
      if (name === 'destination' && opts.onDestinationWrite) store = observed(store, opts.onDestinationWrite);
      stores.set(name, store);
    }
    return store;
  };
  // One producer each, as `crr capture` and `crr process` have in their own processes (a producer keeps one request in flight).
  const captureProducer = timedProducer('capture', await createProducer(kafka));
  const processingProducer = opts.processing ? timedProducer('processing', await createProducer(kafka)) : undefined;
  const capture = await startCapture({ config, producer: captureProducer, storeFor, metrics, logger, receiverToken: cfg.env.BENCH_TOKEN },
    { receiver: true, poller: false });
  const processing = processingProducer ? await startProcessing({ config, openConsumer: consumerOpener(kafka), producer: processingProducer, storeFor, metrics, logger }) : undefined;
  return {
    config, kafka, metrics,
    runnerLoad: () => {
      const s = processing?.runner.stats();
      return { inFlight: s?.inFlight ?? 0, buffered: s?.buffered ?? 0 };
    },
    async stop() {
      await capture.stop();
      await processing?.stop();
      await captureProducer.disconnect();
      await processingProducer?.disconnect();
    },
  };
}

/** Sum of crr_reconciles_total over the ok results (any action). */
export async function reconcilesDone(metrics: CrrMetrics): Promise<{ ok: number; failed: number }> {
  const data = await metrics.reconciles.get();
  let ok = 0;
  let failed = 0;
  for (const v of data.values) {
    if (v.labels.result === 'ok') ok += v.value;
    else failed += v.value;
  }
  return { ok, failed };
}
