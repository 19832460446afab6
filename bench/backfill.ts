// bench/backfill.ts: the backfill's speed, each figure beside its ceiling in the same run (JSON on stdout).
// 1. objects/s of a backfill of BENCH_BACKFILL_OBJECTS x 4 KiB into an empty destination, beside the raw
//    GET+PUT rate of the same client (the OSS adapter) on the same child OSS servers at the same concurrency;
//    beside them the same GET+PUT with the ACL read that an exact replica needs (GET+GetObjectAcl+PUT), what
//    a backfill could reach with no cost of its own;
// 2. the rate of an in-sync re-run (--compare listing) and its OSS requests by operation (no per-key request);
// 3. the real-time replication delay p99 with and without a backfill running;
// 4. the planner's peak RSS and CPU on BENCH_PLANNER_KEYS listed keys (a child process, synthetic listing);
// 5. where the backfill's CPU goes: the workers' reconcileKey called directly (no Kafka, no job) on the same keys
//    at the same concurrency into another empty bucket, beside the raw GET+GetObjectAcl+PUT; the difference to
//    the backfill is what the pipeline around reconcile costs (task fetch, outcome and done records, runner,
//    planner and owner), the difference to the raw requests what reconcile adds to them.
// BENCH_CPU_PROFILE=file.cpuprofile writes one V8 profile of this process per phase (backfill, in-sync-rerun, ceiling).
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { consumerOpener } from '../core/adapters/kafka/consumer.ts';
import { endOffsets } from '../core/adapters/kafka/offsets.ts';
import { createTransactionalProducer } from '../core/adapters/kafka/transactional-producer.ts';
import { startJobView } from '../core/backfill-job-view.ts';
import { createLogger } from '../core/logging.ts';
import { projectRoot } from '../deploy/local/project-root.ts';
import { startLocalStack } from '../deploy/local/stack.ts';
import { bindSignal, reconcileKey } from '../processors/reconcile/reconcile-key.ts';
import { copySettingsOf, RuleContexts } from '../processors/rule-context.ts';
import { startProcessing } from '../processors/start-processing.ts';
import { doneCount, newJob } from '../producers/backfill/job.ts';
import { startBackfillOwner } from '../producers/backfill/owner.ts';
import { encode } from '../schemas/codec.ts';
import { benchKafka } from './lib/pipeline.ts';
import { cpuMeter, pool, profilePhase, round, summary, waitFor } from './lib/measure.ts';

const OBJECTS = Number(process.env.BENCH_BACKFILL_OBJECTS ?? 100_000);
const PLANNER_KEYS = Number(process.env.BENCH_PLANNER_KEYS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const RT_RATE = 20;
const RT_SECONDS = Number(process.env.BENCH_RT_SECONDS ?? 10);
// BENCH_RT_DURING=0: no real-time writes during the backfill (no p99 during it), to see the backfill's rate alone;
// by default the application keeps writing RT_RATE objects/s, whose replication shares the machine with it.
const RT_DURING = process.env.BENCH_RT_DURING !== '0';

const rtWrites = new Map<string, number>();
const rtDelays: number[] = [];
let rtFailed = 0;
const local = await startLocalStack({
  name: 'bench-bf', kafka: benchKafka(), partitions: 12, rules: [{ id: 'bf', source: 'bf-src', destination: 'bf-dst' }],
  buckets: [{ bucket: 'ceil-dst', endpoint: 'shanghai' }, { bucket: 'ceil-acl-dst', endpoint: 'shanghai' }, { bucket: 'direct-dst', endpoint: 'shanghai' }, { bucket: 'warm-dst', endpoint: 'shanghai' }],
  oss: { mode: 'child', writerTimeoutMs: 600_000 },
  processing: { concurrency: 64, backfillConcurrency: CONCURRENCY, backfillPageKeys: 1000 },
  logger: createLogger('bench-backfill', process.env.CRR_LOG_LEVEL ?? 'warn'),
  hooks: { onDestinationWrite: (key, at) => { const t = rtWrites.get(key); if (t !== undefined) { rtDelays.push(at - t); rtWrites.delete(key); } } },
});
const { config, kafka, logger, metrics } = local;
const src = local.bucket('bf-src');
const ceil = local.bucket('ceil-dst');
const ceilAcl = local.bucket('ceil-acl-dst');
const servers = { source_server: local.regions.hangzhou.pid, destination_server: local.regions.shanghai.pid };
try {
  // Seeded as the replicator: capture drops its writes as echoes, so only the backfill replicates them.
  const seedStore = local.storeFor('hangzhou');
  const body = randomBytes(4096);
  const keyOf = (i: number) => `b/${String(i).padStart(7, '0')}`;
  const perObject = (used: Record<string, number>) => Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, round(ms / OBJECTS, 3)]));
  const dstStore = local.storeFor('shanghai');
  // GET+PUT with the object's ACL read beside the GET (openObject, as reconcile reads a source), into `bucket`.
  const getAclPut = (bucket: string) => async (i: number) => {
    const opened = (await seedStore.openObject(src, keyOf(i)))!;
    await dstStore.putObject(bucket, keyOf(i), opened.stream, { headers: {}, contentLength: opened.head.size });
  };
  const seedSeconds = await pool(OBJECTS, 64, (i) => seedStore.putObject(src, keyOf(i), body, { headers: {}, contentLength: body.length }));
  // The seed's notifications (dropped as echoes) are delivered after the PUTs answer: wait for the last of them,
  // or the source server and the receiver would still be sending and reading them during the backfill.
  const received = async () => (await metrics.eventsReceived.get()).values.reduce((n, v) => n + v.value, 0);
  await waitFor(async () => (await received()) >= OBJECTS, 600_000, 200);
  // Warm-up, not measured: the servers and this process run the read and copy paths once before the first
  // measured phase (the backfill), so that phase does not alone pay their JIT compilation.
  await pool(Math.min(OBJECTS, 2000), CONCURRENCY, getAclPut(local.bucket('warm-dst')));

  const view = await startJobView(consumerOpener(kafka), config.topicNames.backfillJobs, 'bench-view');
  const processing = await startProcessing({ config, openConsumer: consumerOpener(kafka), producer: local.producer, storeFor: local.storeFor as never, metrics, logger, backfill: { view } });
  const owner = await startBackfillOwner({ config, openConsumer: consumerOpener(kafka), view, storeFor: local.storeFor as never, logger, pageKeys: 1000,
    transactionalProducer: (id) => createTransactionalProducer(kafka, id), endOffsets: (t) => endOffsets(kafka, t) });
  await waitFor(() => owner.owning(), 60_000, 50);

  // Real-time delay alone: the application writes RT_RATE objects/s for RT_SECONDS.
  const writer = local.writer.hangzhou;
  const realtime = async (tag: string, stop: () => boolean) => {
    const delays0 = rtDelays.length;
    for (let i = 0; !stop(); i++) {
      const key = `rt/${tag}/${i}`;
      rtWrites.set(key, Date.now());
      // A failed write (the machine is loaded) is left out of the figures and counted.
      writer.putObject(src, key, body, { headers: {}, contentLength: body.length }).catch(() => { rtWrites.delete(key); rtFailed++; });
      await new Promise((r) => setTimeout(r, 1000 / RT_RATE));
    }
    await waitFor(() => [...rtWrites.keys()].every((k) => !k.startsWith(`rt/${tag}/`)), 30_000);
    return summary(rtDelays.slice(delays0).sort((a, b) => a - b));
  };
  const quietEnd = Date.now() + RT_SECONDS * 1000;
  const rtQuiet = await realtime('quiet', () => Date.now() > quietEnd);

  const requests = async () => Object.fromEntries((await metrics.ossRequests.get()).values.reduce((m, v) => m.set(String(v.labels.op), (m.get(String(v.labels.op)) ?? 0) + v.value), new Map<string, number>()));
  const producer = local.producer;
  const runJob = async (compare: 'LISTING' | 'FULL', withRealtime: boolean, phase: string) => {
    const job = newJob({ jobId: `bf-${randomUUID().slice(0, 8)}`, ruleId: 'bf', prefix: 'b/', compare, now: Date.now() });
    const req0 = await requests();
    const cpu = cpuMeter({ bench_process: process.pid, ...servers });
    const stopProfile = await profilePhase(phase);
    const t0 = performance.now();
    await producer.send(config.topicNames.backfillJobs, [{ key: job.jobId, value: encode('BackfillJob', job) }]);
    let rt: ReturnType<typeof summary> | undefined;
    const during = withRealtime ? realtime(job.jobId, () => view.get(job.jobId)?.latest.state === 'DONE').then((s) => (rt = s)) : undefined;
    await waitFor(() => view.get(job.jobId)?.latest.state === 'DONE', 3_600_000, 100);
    const seconds = (performance.now() - t0) / 1000;
    await during;
    await stopProfile();
    const req1 = await requests();
    const used = cpu();
    const end = view.get(job.jobId)!.latest;
    return { end, seconds, cpu: perObject(used), rt,
      requests: Object.fromEntries(Object.keys(req1).map((k) => [k, req1[k]! - (req0[k] ?? 0)]).filter(([, n]) => n !== 0)) };
  };
  const first = await runJob('LISTING', RT_DURING, 'backfill');
  const again = await runJob('LISTING', false, 'in-sync-rerun');

  // Ceiling: GET + PUT of the same objects through the same client (the OSS adapter) at the same concurrency.
  const ceilCpu = cpuMeter({ bench_process: process.pid, ...servers });
  const stopCeilingProfile = await profilePhase('ceiling');
  const ceilingSeconds = await pool(OBJECTS, CONCURRENCY, async (i) => {
    const got = await seedStore.getObject(src, keyOf(i));
    await dstStore.putObject(ceil, keyOf(i), got.stream, { headers: {}, contentLength: got.size });
  });
  await stopCeilingProfile();
  const ceilingCpu = perObject(ceilCpu());
  // Not the ceiling, a second reference: the same GET+PUT with the object's ACL read beside the GET (openObject,
  // as reconcile reads a source), the least an exact replica costs, since neither GET nor HEAD carries the ACL.
  const aclCpu = cpuMeter({ bench_process: process.pid, ...servers });
  const withAclSeconds = await pool(OBJECTS, CONCURRENCY, getAclPut(ceilAcl));
  const withAclCpu = perObject(aclCpu());

  // The workers' reconcile alone: rule bf with another empty destination, each key as a backfill task would
  // reconcile it (its own abort signal, trigger BACKFILL), with no Kafka and no job around it.
  const bf = config.rules.find((r) => r.id === 'bf')!;
  const direct = { ...bf, id: 'bf-direct', destination: { ...bf.destination, bucket: local.bucket('direct-dst') } };
  const contexts = new RuleContexts(new Map([[direct.id, direct]]), { copy: copySettingsOf(config.processing), storeFor: local.storeFor as never });
  const directCtx = await contexts.get(direct.id);
  const directCpu = cpuMeter({ bench_process: process.pid, ...servers });
  const stopDirectProfile = await profilePhase('reconcile-direct');
  const directSeconds = await pool(OBJECTS, CONCURRENCY, async (i) => {
    const result = await reconcileKey(bindSignal(directCtx, new AbortController().signal), keyOf(i), { kind: 'BACKFILL', size: body.length, eventTime: Date.now() });
    if (result.action !== 'COPY') throw new Error(`reconcile of ${keyOf(i)} into an empty bucket did ${result.action}`);
  });
  await stopDirectProfile();
  const directCpuMs = perObject(directCpu());

  await owner.stop();
  await processing.stop();
  await view.stop();

  const planner = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'bench/lib/planner-rss-child.ts'), String(PLANNER_KEYS), local.broker.brokers.join(',')],
    { cwd: projectRoot, encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!);

  const rate = OBJECTS / first.seconds;
  const ceilingRate = OBJECTS / ceilingSeconds;
  process.stdout.write(`${JSON.stringify({
    load_average_1m: round(loadavg()[0], 2), objects: OBJECTS, object_bytes: 4096, concurrency: CONCURRENCY, seed_objects_per_sec: round(OBJECTS / seedSeconds),
    backfill: { objects_per_sec: round(rate), seconds: round(first.seconds, 2), realtime_writes_during: RT_DURING ? (first.rt?.count ?? 0) : 0, counts: { listed: first.end.listed, in_sync: first.end.inSync, published: first.end.published, done: doneCount(first.end), copied: first.end.copied },
      cpu_ms_per_object: first.cpu, oss_requests: first.requests },
    ceiling_get_put_same_client: { objects_per_sec: round(ceilingRate), seconds: round(ceilingSeconds, 2), cpu_ms_per_object: ceilingCpu },
    ratio_to_ceiling: round(rate / ceilingRate, 3), goal_ratio: 0.8,
    get_acl_put_same_client: { objects_per_sec: round(OBJECTS / withAclSeconds), seconds: round(withAclSeconds, 2), cpu_ms_per_object: withAclCpu,
      ratio_to_ceiling: round(OBJECTS / withAclSeconds / ceilingRate, 3), backfill_ratio_to_it: round(rate / (OBJECTS / withAclSeconds), 3) },
    reconcile_without_kafka: { objects_per_sec: round(OBJECTS / directSeconds), seconds: round(directSeconds, 2), cpu_ms_per_object: directCpuMs,
      ratio_to_ceiling: round(OBJECTS / directSeconds / ceilingRate, 3),
      bench_process_cpu_ms_per_object_above: { raw_get_acl_put: round(directCpuMs.bench_process - withAclCpu.bench_process, 3),
        pipeline_around_it: round(first.cpu.bench_process - directCpuMs.bench_process, 3) } },
    in_sync_rerun: { keys_per_sec: round(OBJECTS / again.seconds), seconds: round(again.seconds, 2), in_sync: again.end.inSync, published: again.end.published,
      oss_requests: again.requests, per_key_requests: Object.entries(again.requests).filter(([op]) => !/^List|^GetBucketVersioning/.test(op)).reduce((n, [, v]) => n + Number(v), 0), goal_keys_per_sec: 20_000,
      cpu_ms_per_key: again.cpu },
    realtime_delay_ms: { without_backfill: rtQuiet, during_backfill: first.rt ?? null, p99_ratio: first.rt ? round(first.rt.p99_ms / Math.max(1, rtQuiet.p99_ms), 2) : null, goal_ratio: 3, failed_writes: rtFailed },
    planner: { ...planner, keys_per_sec: round(planner.listed / planner.seconds), cpu_ms_per_key: round(planner.cpu_ms / planner.listed, 4), goal_peak_rss_mb: 150 },
  })}\n`);
} finally {
  await local.stop();
}
process.exit(0);
