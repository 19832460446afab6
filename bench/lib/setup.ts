// One benchmark's stack: the local stack (deploy/local/stack.ts) with both OSS servers as child processes
// (their CPU and memory apart from this process's), one rule from a source to a destination bucket, a
// ceiling bucket no rule touches, and the pipeline (capture, and processing unless it runs in a child).
// tearDown() stops all of it and removes the servers' data.
import type { OssClient } from '../../core/adapters/oss/client.ts';
import { createLogger } from '../../core/logging.ts';
import type { CrrMetrics } from '../../core/metrics/metrics.ts';
import type { FaultConfig } from '../../deploy/local/oss/server.ts';
import { startLocalStack, type LocalRegion, type LocalStack } from '../../deploy/local/stack.ts';
import { benchKafka, timedProducer, timedStore } from './pipeline.ts';

export interface BenchStack {
  local: LocalStack;
  pair: {
    source: LocalRegion;
    destination: LocalRegion;
    /** The key the benchmark writes with (the replicator's writes are echoes to capture). */
    user: { accessKeyId: string; accessKeySecret: string };
    client(side: 'source' | 'destination', bucket?: string): OssClient;
  };
  pipeline: {
    metrics: CrrMetrics;
    /** The processor's runner: keys in flight and messages buffered (zeros when processing runs elsewhere). */
    runnerLoad(): { inFlight: number; buffered: number };
  };
  buckets: { src: string; dst: string; ceilDst: string };
  tearDown(): Promise<void>;
}

export interface SetUpOptions {
  concurrency: number;
  /** The rule's key prefixes (keys outside them are captured as unmatched and dropped). */
  prefixes?: string[];
  multipartThresholdBytes?: number;
  partSizeBytes?: number;
  partConcurrency?: number;
  faults?: FaultConfig;
  /** false: capture only (the processor runs elsewhere, e.g. local.spawnProcessor()). */
  processing: boolean;
  onDestinationWrite?: (key: string, at: number) => void;
}

export async function setUp(o: SetUpOptions): Promise<BenchStack> {
  const trace = Boolean(process.env.BENCH_TRACE);
  const local = await startLocalStack({
    name: 'bench',
    kafka: benchKafka(),
    // ceil-dst: where the ceiling's copies go, a destination bucket no rule touches.
    rules: [{ id: 'bench', source: 'bench-src', destination: 'bench-dst', prefixes: o.prefixes ?? [] }],
    buckets: [{ bucket: 'ceil-dst', endpoint: 'shanghai' }],
    partitions: 12,
    oss: {
      mode: 'child', faults: o.faults, cpuProfileDir: process.env.BENCH_PROFILE_DIR, writerTimeoutMs: 600_000,
      // The processor signs V4 (the config default) unless BENCH_SIGNATURE=v1, to measure what V4 signing costs.
      signatureVersion: process.env.BENCH_SIGNATURE === 'v1' ? 'v1' : 'v4',
    },
    processing: {
      concurrency: o.concurrency,
      ...(o.multipartThresholdBytes ? { multipartThresholdBytes: o.multipartThresholdBytes } : {}),
      ...(o.partSizeBytes ? { partSizeBytes: o.partSizeBytes } : {}),
      ...(o.partConcurrency ? { partConcurrency: o.partConcurrency } : {}),
    },
    processingNow: o.processing,
    // One producer each, as `crr capture` and `crr process` have in their own processes (a producer keeps one request in flight).
    separateProducers: true,
    logger: createLogger('crr-bench', process.env.CRR_LOG_LEVEL ?? 'warn'),
    hooks: {
      onDestinationWrite: o.onDestinationWrite,
      wrapStore: trace ? (store, endpoint) => timedStore(endpoint, store) : undefined,
      wrapProducer: trace ? timedProducer : undefined,
    },
  });
  const { hangzhou: source, shanghai: destination } = local.regions;
  const { accessKeyId, accessKeySecret } = local.principals.user;
  return {
    local,
    pair: { source, destination, user: { accessKeyId, accessKeySecret },
      client: (side, bucket) => local.client(side === 'source' ? 'hangzhou' : 'shanghai', bucket) },
    pipeline: {
      metrics: local.metrics,
      runnerLoad: () => {
        const s = local.processings[0]?.runner.stats();
        return { inFlight: s?.inFlight ?? 0, buffered: s?.buffered ?? 0 };
      },
    },
    buckets: { src: local.bucket('bench-src'), dst: local.bucket('bench-dst'), ceilDst: local.bucket('ceil-dst') },
    tearDown: () => local.stop(),
  };
}
