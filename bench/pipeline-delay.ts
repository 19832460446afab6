// Benchmark: replication delay, from the source PUT acknowledged to the replica readable (the processor's
// destination PUT acknowledged), p50 and p99, for 2 MB objects written at a steady rate. Ceiling, measured in
// the same run on the same servers: the benchmark itself copies each object (streamed GET into PUT) right after its PUT.
//   node --import tsx bench/pipeline-delay.ts [--rate 50] [--seconds 20] [--bytes 2000000] [--concurrency 64] [--order pipeline-first|ceiling-first]
// Uses KAFKA_BROKERS when set, else starts the local broker on port 19092. Prints one JSON object.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { cpuMeter, round, steady, summary, waitFor } from './lib/measure.ts';
import { opTimes } from './lib/pipeline.ts';
import { setUp } from './lib/setup.ts';

const { values } = parseArgs({ options: {
  rate: { type: 'string', default: '50' }, seconds: { type: 'string', default: '20' }, bytes: { type: 'string', default: '2000000' },
  concurrency: { type: 'string', default: '64' }, order: { type: 'string', default: 'pipeline-first' },
} });
const rate = Number(values.rate);
const count = Math.round(rate * Number(values.seconds));
const bytes = Number(values.bytes);

// Only keys under bench/ are replicated; the ceiling's source keys (ceil/) are captured as unmatched and dropped.
const readableAt = new Map<string, number>();
const { pair, buckets, pipeline, tearDown } = await setUp({ concurrency: Number(values.concurrency), processing: true, prefixes: ['bench/'],
  onDestinationWrite: (key, at) => { if (!readableAt.has(key)) readableAt.set(key, at); } });
const src = pair.client('source', buckets.src);
const ceilDst = pair.client('destination', buckets.ceilDst);
const body = randomBytes(bytes);
const keyOf = (prefix: string, i: number) => `${prefix}${i % 16}/object-${i}.bin`;
// Streamed PUTs: ali-oss's put() of a Buffer hashes it for Content-MD5 first (about 10 ms of this process's CPU per
// 2 MB), a cost of the benchmark's writer that would land on the pipeline running in the same process.
const put = (key: string, from: Readable) => src.putStream(key, from, { contentLength: bytes } as never);

let result: Record<string, unknown>;
try {
  // Warm-up: a few objects through the pipeline (connections, JIT, consumer assignment), not measured.
  await steady(20, rate, (i) => put(keyOf('bench/warm/', i), Readable.from([body])));
  await waitFor(() => readableAt.size >= 20, 30_000);

  // Ceiling: PUT, then GET + PUT to a bucket no rule reads, each object as soon as its PUT is acknowledged.
  const ceiling: number[] = [];
  let ceilingErrors = 0;
  const runCeiling = () => steady(count, rate, async (i) => {
    const key = keyOf('ceil/', i);
    try {
      await put(key, Readable.from([body]));
      const acked = performance.now();
      const got = await src.getStream(key);
      await ceilDst.putStream(key, got.stream, { contentLength: bytes } as never);
      ceiling.push(performance.now() - acked);
    } catch {
      ceilingErrors++;
    }
  });

  // The pipeline: PUT at the same rate; the replica is readable when the processor's destination PUT is acknowledged.
  const ackedAt = new Map<string, number>();
  let putErrors = 0;
  let writeSeconds = NaN;
  let complete = false;
  let pipelineCpuMs: Record<string, number> = {};
  const runPipeline = async () => {
    // CPU per object by process while the pipeline phase runs: this one (writer, capture, processing), each server.
    const cpu = cpuMeter({ bench_process: process.pid, source_server: pair.source.pid, destination_server: pair.destination.pid });
    const t0 = Date.now();
    await steady(count, rate, async (i) => {
      const key = keyOf('bench/', i);
      try {
        await put(key, Readable.from([body]));
        ackedAt.set(key, Date.now());
      } catch {
        putErrors++;
      }
    });
    writeSeconds = (Date.now() - t0) / 1000;
    complete = await waitFor(() => [...ackedAt.keys()].every((k) => readableAt.has(k)), 120_000, 50);
    pipelineCpuMs = Object.fromEntries(Object.entries(cpu()).map(([k, ms]) => [k, round(ms / count, 1)]));
  };
  // Phases run one after the other; the second one finds gigabytes of dirty pages behind it (disk writeback),
  // so the order is a flag: compare both orders before reading much into a gap.
  if (values.order === 'ceiling-first') {
    await runCeiling();
    await runPipeline();
  } else {
    await runPipeline();
    await runCeiling();
  }
  const delays = [...ackedAt].filter(([k]) => readableAt.has(k)).map(([k, at]) => readableAt.get(k)! - at);
  const pipelineSummary = summary(delays);
  result = {
    benchmark: 'pipeline-delay',
    load_average_1m: round(loadavg()[0], 2),
    order: values.order, object_bytes: bytes, rate_per_sec: rate, objects: count, achieved_write_rate_per_sec: round(count / writeSeconds),
    complete, put_errors: putErrors, ceiling_errors: ceilingErrors,
    pipeline_delay: pipelineSummary,
    pipeline_cpu_ms_per_object: pipelineCpuMs,
    ceiling_delay: summary(ceiling),
    // Where the pipeline's time goes, from its own histograms (event time → Kafka ack; event time → in sync).
    mean_capture_delay_ms: await meanMs(pipeline.metrics.captureDelay, 'crr_capture_delay_seconds'),
    mean_replication_delay_ms: await meanMs(pipeline.metrics.replicationDelay, 'crr_replication_delay_seconds'),
    goal: { p99_ms: 1000 },
    goal_met: pipelineSummary.p99_ms < 1000,
    // The writer fell behind the rate: the machine cannot carry this load, and the delays measure its queue.
    rate_sustained: count / writeSeconds >= 0.95 * rate,
  };
} finally {
  if (process.env.BENCH_TRACE) for (const [op, t] of opTimes) process.stderr.write(`trace op ${op}: n=${t.n} mean=${(t.ms / t.n).toFixed(1)} ms\n`);
  await tearDown();
}
console.log(JSON.stringify(result, null, 2));
process.exit(result.complete ? 0 : 1);

/** A histogram's mean in ms (over the warm-up objects too). */
async function meanMs(h: { get(): Promise<{ values: { metricName?: string; value: number }[] }> }, name: string): Promise<number> {
  const values = (await h.get()).values;
  const sum = values.find((v) => v.metricName === `${name}_sum`)?.value ?? 0;
  const n = values.find((v) => v.metricName === `${name}_count`)?.value ?? 0;
  return n ? round((sum / n) * 1000) : NaN;
}
