// Objects per second end to end (source PUT → event → receiver → changes topic → processor → destination
// written), beside its ceiling in the same run: a raw ali-oss GET (source) + PUT (destination) loop at the same
// concurrency on the same two servers. Shared by pipeline-throughput.ts and latency.ts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../deploy/local/project-root.ts';
import type { OssClient } from '../../core/adapters/oss/client.ts';
import { createObjectStore } from '../../core/adapters/oss/object-store.ts';
import type { FaultConfig } from '../../deploy/local/oss/server.ts';
import { cpuMeter, pool, profilePhase, round, waitFor } from './measure.ts';
import { opTimes, reconcilesDone } from './pipeline.ts';
import { setUp } from './setup.ts';
import { keyOf, type WriterJob } from './writer-child.ts';

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

/** Starts the writer (bench/lib/writer-child.ts) as a child process and waits until it is ready to write. */
async function startWriter(job: WriterJob): Promise<{ go(): Promise<{ seconds: number; cpuMs: number }> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'bench/lib/writer-child.ts'), JSON.stringify(job)],
    { cwd: projectRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ seconds: number; cpuMs: number }>((resolve, reject) => child.once('exit', (code) => {
    if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; cpuMs: number });
    else reject(new Error(`the writer exited with ${code}`));
  }));
  await Promise.race([waitFor(() => out.startsWith('ready'), 60_000), exited]);
  return { go: () => { child.stdin!.write('go\n'); return exited; } };
}

const sumOf = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

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

    // The pipeline: a writer process PUTs on the source at the given concurrency, until every replica is
    // written. CPU per object by process: the writer, this one (capture and processing), each OSS server.
    const before = written.size;
    const job: WriterJob = { endpoint: pair.source.clientEndpoint, addressing: pair.source.addressing, region: pair.source.region, ...pair.user, bucket: buckets.src, prefix,
      count: o.objects, concurrency: o.concurrency, bytes: o.objectBytes };
    const perObject = (used: Record<string, number>) => Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, round(ms / o.objects, 2)]));
    const servers = { source_server: pair.source.pid, destination_server: pair.destination.pid };
    const writer = await startWriter(job);
    const stopProfile = await profilePhase();
    const pipelineCpu = cpuMeter({ capture_and_processing: process.pid, ...servers });
    const t0 = performance.now();
    const wrote = await writer.go();
    const putSeconds = wrote.seconds;
    const complete = await waitFor(() => written.size - before >= o.objects, o.timeoutMs);
    const pipelineSeconds = (performance.now() - t0) / 1000;
    const pipelineCpuMs = perObject({ writer: wrote.cpuMs, ...pipelineCpu() });
    await stopProfile();

    // Ceiling: GET the same source objects and PUT them into a bucket no rule reads, at the same concurrency.
    const ceilDst = pair.client('destination', buckets.ceilDst);
    const ceilingCpu = cpuMeter({ bench_process: process.pid, ...servers });
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
    // The same GET + PUT through the client the processor uses (the OSS adapter), for the same-client ratio.
    const store = (s: { endpoint: string; region: string }) => createObjectStore({ endpoint: s.endpoint, region: s.region, ...pair.user });
    const [adapterSrc, adapterDst] = [store(pair.source), store(pair.destination)];
    const adapterSeconds = await pool(o.objects, o.concurrency, async (i) => {
      const got = await adapterSrc.getObject(buckets.src, keyOf(prefix, i));
      await adapterDst.putObject(buckets.ceilDst, keyOf('adapter/', i), got.stream, { headers: {}, contentLength: got.size });
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
      ceiling_adapter_client_objects_per_sec: round(o.objects / adapterSeconds),
      ratio_to_ceiling_adapter_client: round(pipelineRate / (o.objects / adapterSeconds), 3),
      cpu_ms_per_object: { pipeline: pipelineCpuMs, ceiling: ceilingCpuMs },
      // On a CPU-bound machine the ratio is about CPU per object: reaching the goal ratio r needs the whole
      // pipeline (writer, capture, processing, both servers) within ceiling / r.
      cpu_budget_ms_per_object: {
        ceiling_total: round(sumOf(ceilingCpuMs), 2),
        pipeline_total: round(sumOf(pipelineCpuMs), 2),
        pipeline_servers_only: round(pipelineCpuMs.source_server + pipelineCpuMs.destination_server, 2),
      },
      processor_oss_requests_per_object: Object.fromEntries(Object.entries(byOp).map(([op, n]) => [op, round(n / o.objects, 2)])),
    };
  } finally {
    clearInterval(trace);
    if (trace) for (const [op, t] of opTimes) process.stderr.write(`trace op ${op}: n=${t.n} mean=${(t.ms / t.n).toFixed(1)} ms\n`);
    await tearDown();
  }
}
