// Objects per second end to end (source PUT → event → receiver → changes topic → processor → destination
// written), beside its ceiling in the same run: a raw ali-oss GET (source) + PUT (destination) loop at the same
// concurrency on the same two servers. Shared by pipeline-throughput.ts and latency.ts.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { OssClient } from '../../core/adapters/oss/client.ts';
import type { FaultConfig } from '../../deploy/local/oss/server.ts';
import { cpuMeter, pool, profilePhase, round, waitFor } from './measure.ts';
import { opTimes, reconcilesDone } from './pipeline.ts';
import { setUp } from './setup.ts';

export interface ThroughputOptions {
  objects: number;
  objectBytes: number;
  /** Keys in flight: the writer, the processor (processing.concurrency) and the ceiling loop alike. */
  concurrency: number;
  faults?: FaultConfig;
  timeoutMs: number;
}

/** Counts a bucket's keys by listing (the destination's own word that the replicas exist). */
export async function countKeys(client: OssClient, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  let marker: string | undefined;
  for (;;) {
    const page = await client.list({ prefix, marker, 'max-keys': 1000 } as never, {});
    n += page.objects?.length ?? 0;
    if (!page.isTruncated) return n;
    marker = page.nextMarker;
  }
}

const keyOf = (prefix: string, i: number) => `${prefix}${(i % 64).toString(16).padStart(2, '0')}/object-${i}.bin`;

export async function runThroughput(o: ThroughputOptions) {
  const written = new Set<string>();
  // Keys under ceil/ are outside the rule: capture drops them as unmatched (see the second ceiling below).
  const { pair, pipeline, buckets, tearDown } = await setUp({ concurrency: o.concurrency, faults: o.faults, processing: true, prefixes: ['bench/', 'warm/'],
    onDestinationWrite: (key) => written.add(key) });
  const body = randomBytes(o.objectBytes);
  const prefix = 'bench/';
  const src = pair.client('source', buckets.src);
  // BENCH_TRACE=1: one line a second on stderr (events published, replicas written, runner load), to see where work waits.
  const trace = process.env.BENCH_TRACE ? setInterval(() => void (async () => {
    const published = (await pipeline.metrics.eventsPublished.get()).values.reduce((n, v) => n + v.value, 0);
    process.stderr.write(`trace ${new Date().toISOString().slice(11, 23)} published=${published} written=${written.size} ${JSON.stringify(pipeline.runnerLoad())}\n`);
  })(), 1000) : undefined;
  try {
    // Warm-up (connections, JIT, consumer assignment), not measured.
    const warm = Math.min(200, Math.ceil(o.objects / 10));
    await pool(warm, o.concurrency, (i) => src.put(keyOf('warm/', i), body));
    await waitFor(() => written.size >= warm, o.timeoutMs);

    // The pipeline: PUT on the source at the given concurrency, until every replica is written.
    const before = written.size;
    // CPU per object by process: this one (writer, capture, processor), and each OSS server.
    const pids = { bench_process: process.pid, source_server: pair.source.pid, destination_server: pair.destination.pid };
    const perObject = (used: Record<string, number>) => Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, round(ms / o.objects, 2)]));
    const pipelineCpu = cpuMeter(pids);
    const stopProfile = await profilePhase();
    const t0 = performance.now();
    const putSeconds = await pool(o.objects, o.concurrency, (i) => src.put(keyOf(prefix, i), body));
    const complete = await waitFor(() => written.size - before >= o.objects, o.timeoutMs);
    const pipelineSeconds = (performance.now() - t0) / 1000;
    const pipelineCpuMs = perObject(pipelineCpu());
    await stopProfile();

    // Ceiling: GET the same source objects and PUT them into a bucket no rule reads, at the same concurrency.
    const ceilDst = pair.client('destination', buckets.ceilDst);
    const ceilingCpu = cpuMeter(pids);
    const ceilingSeconds = await pool(o.objects, o.concurrency, async (i) => {
      const got = await src.get(keyOf(prefix, i));
      await ceilDst.put(keyOf(prefix, i), got.content as Buffer);
    });
    const ceilingCpuMs = perObject(ceilingCpu());
    // A second ceiling that also carries the writer's load, as the pipeline's source server does: PUT on the
    // source (outside the rule), then GET + PUT, per object.
    const withPutSeconds = await pool(o.objects, o.concurrency, async (i) => {
      const key = keyOf('ceil/', i);
      await src.put(key, body);
      const got = await src.get(key);
      await ceilDst.put(key, got.content as Buffer);
    });

    const present = await countKeys(pair.client('destination', buckets.dst), buckets.dst, prefix);
    const reconciles = await reconcilesDone(pipeline.metrics);
    const total = async (c: { get(): Promise<{ values: { value: number }[] }> }) => (await c.get()).values.reduce((n, v) => n + v.value, 0);
    const capture = { received: await total(pipeline.metrics.eventsReceived), published: await total(pipeline.metrics.eventsPublished),
      rejected: await total(pipeline.metrics.eventsRejected), unmatched: await total(pipeline.metrics.eventsUnmatched) };
    const requests = (await pipeline.metrics.ossRequests.get()).values;
    const byOp: Record<string, number> = {};
    for (const v of requests) byOp[String(v.labels.op)] = (byOp[String(v.labels.op)] ?? 0) + v.value;

    const pipelineRate = o.objects / pipelineSeconds;
    const ceilingRate = o.objects / ceilingSeconds;
    return {
      load_average_1m: round(loadavg()[0], 2),
      objects: o.objects, object_bytes: o.objectBytes, concurrency: o.concurrency, faults: o.faults ?? {},
      complete, destination_objects_present: present, capture_events: capture, reconciles_ok: reconciles.ok, reconciles_failed: reconciles.failed,
      pipeline_objects_per_sec: round(pipelineRate), pipeline_seconds: round(pipelineSeconds, 2),
      source_put_phase_seconds: round(putSeconds, 2), source_put_objects_per_sec: round(o.objects / putSeconds),
      ceiling_objects_per_sec: round(ceilingRate), ceiling_seconds: round(ceilingSeconds, 2),
      ratio_to_ceiling: round(pipelineRate / ceilingRate, 3),
      ceiling_with_source_put_objects_per_sec: round(o.objects / withPutSeconds),
      ratio_to_ceiling_with_source_put: round(pipelineRate / (o.objects / withPutSeconds), 3),
      cpu_ms_per_object: { pipeline: pipelineCpuMs, ceiling: ceilingCpuMs },
      processor_oss_requests_per_object: Object.fromEntries(Object.entries(byOp).map(([op, n]) => [op, round(n / o.objects, 2)])),
    };
  } finally {
    clearInterval(trace);
    if (trace) for (const [op, t] of opTimes) process.stderr.write(`trace op ${op}: n=${t.n} mean=${(t.ms / t.n).toFixed(1)} ms\n`);
    await tearDown();
  }
}
