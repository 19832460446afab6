// One benchmark's stack: Kafka, the two child OSS servers (the source's events go to the capture receiver),
// a source and a destination bucket under one rule, and the pipeline (capture, and processing unless it runs
// in a child process). tearDown() stops all of it and removes the servers' data.
import { randomBytes } from 'node:crypto';
import type { FaultConfig } from '../../deploy/local/oss/server.ts';
import { startOssPair, type OssPair } from './oss-servers.ts';
import { freePort } from '../../deploy/local/free-port.ts';
import { benchBrokers, benchConfig, startPipeline, type BenchConfigOptions, type Pipeline } from './pipeline.ts';

export interface BenchStack {
  pair: OssPair;
  cfg: { raw: Record<string, unknown>; env: Record<string, string> };
  pipeline: Pipeline;
  buckets: { src: string; dst: string; ceilDst: string };
  tearDown(): Promise<void>;
}

export interface SetUpOptions extends Pick<BenchConfigOptions, 'concurrency' | 'prefixes' | 'multipartThresholdBytes' | 'partSizeBytes' | 'partConcurrency'> {
  faults?: FaultConfig;
  /** false: capture only (the processor runs elsewhere, from `cfg`). */
  processing: boolean;
  onDestinationWrite?: (key: string, at: number) => void;
}

export async function setUp(o: SetUpOptions): Promise<BenchStack> {
  const brokers = await benchBrokers();
  const receiverPort = await freePort();
  const metricsPort = await freePort();
  const run = randomBytes(3).toString('hex');
  // ceilDst: where the ceiling's copies go, a destination bucket no rule touches.
  const buckets = { src: `bench-src-${run}`, dst: `bench-dst-${run}`, ceilDst: `ceil-dst-${run}` };
  const receiverToken = randomBytes(16).toString('hex');
  const pair = await startOssPair({ webhook: { url: `http://127.0.0.1:${receiverPort}/events`, token: receiverToken }, faults: o.faults });
  try {
    const cfg = benchConfig({ brokers, pair, sourceBucket: buckets.src, destinationBucket: buckets.dst, receiverPort, receiverToken, metricsPort,
      concurrency: o.concurrency, prefixes: o.prefixes, multipartThresholdBytes: o.multipartThresholdBytes, partSizeBytes: o.partSizeBytes,
      partConcurrency: o.partConcurrency });
    await pair.client('source').putBucket(buckets.src);
    await pair.client('destination').putBucket(buckets.dst);
    await pair.client('destination').putBucket(buckets.ceilDst);
    const pipeline = await startPipeline(cfg, { processing: o.processing, onDestinationWrite: o.onDestinationWrite });
    return {
      pair, cfg, pipeline, buckets,
      async tearDown() {
        await pipeline.stop();
        await pair.stop();
      },
    };
  } catch (err) {
    await pair.stop();
    throw err;
  }
}
