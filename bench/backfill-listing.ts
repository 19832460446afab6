// bench/backfill-listing.ts: the in-sync re-run of a backfill (--compare listing, no per-key request) on
// BENCH_LISTING_KEYS keys that are equal on both sides, seeded once; only the re-run is timed (JSON on stdout).
// Three figures from the same run, each with CPU per key of this process and of the two child OSS servers:
//   listing_both: both listings drained concurrently through the OSS adapter, after one warm-up pass (the
//     planner's ceiling);
//   planner: planJob over the same listings, its pages committed through a real Kafka transaction;
//   job: a whole `crr backfill start` job run by the backfill owner, from its record to DONE.
// BENCH_CPU_PROFILE_DIR=dir writes V8 CPU profiles of this process (the planner phase) and of the servers.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { consumerOpener } from '../core/adapters/kafka/consumer.ts';
import { endOffsets } from '../core/adapters/kafka/offsets.ts';
import { createTransactionalProducer } from '../core/adapters/kafka/transactional-producer.ts';
import { ensureTopics } from '../core/adapters/kafka/topics.ts';
import { startJobView } from '../core/backfill-job-view.ts';
import { createLogger } from '../core/logging.ts';
import { startLocalStack } from '../deploy/local/stack.ts';
import { newJob } from '../producers/backfill/job.ts';
import { startBackfillOwner } from '../producers/backfill/owner.ts';
import { planJob } from '../producers/backfill/planner.ts';
import { encode } from '../schemas/codec.ts';
import { objectKey } from '../schemas/records.ts';
import { benchKafka } from './lib/pipeline.ts';
import { cpuMeter, pool, profilePhase, round, waitFor } from './lib/measure.ts';

const KEYS = Number(process.env.BENCH_LISTING_KEYS ?? 20_000);
const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
if (profileDir) mkdirSync(profileDir, { recursive: true });
if (profileDir) process.env.BENCH_CPU_PROFILE = join(profileDir, 'bench-planner.cpuprofile');

const local = await startLocalStack({
  name: 'bench-bfl', kafka: benchKafka(), partitions: 1, capture: false, rules: [{ id: 'bl', source: 'bl-src', destination: 'bl-dst' }],
  oss: { mode: 'child', writerTimeoutMs: 600_000, ...(profileDir ? { cpuProfileDir: profileDir } : {}) },
  processing: { backfillPageKeys: 1000 },
  logger: createLogger('bench-backfill-listing', process.env.CRR_LOG_LEVEL ?? 'warn'),
});
const { config, kafka, logger } = local;
const rule = config.rules.find((r) => r.id === 'bl')!;
const source = local.storeFor(rule.source.endpoint);
const destination = local.storeFor(rule.destination.endpoint);
const pids = { bench_process: process.pid, source_server: local.regions.hangzhou.pid, destination_server: local.regions.shanghai.pid };
const perKey = (used: Record<string, number>) => Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, round(ms / KEYS, 4)]));

async function timed<T>(run: () => Promise<T>): Promise<{ keys_per_sec: number; seconds: number; cpu_ms_per_key: Record<string, number>; result: T }> {
  const cpu = cpuMeter(pids);
  const t0 = performance.now();
  const result = await run();
  const seconds = (performance.now() - t0) / 1000;
  return { keys_per_sec: round(KEYS / seconds), seconds: round(seconds, 3), cpu_ms_per_key: perKey(cpu()), result };
}

try {
  // Keys with odd characters, as users name them; the same bytes on both sides, so every key is in sync.
  const body = randomBytes(64);
  const keyOf = (i: number) => `b/${String(i).padStart(7, '0')}${i % 7 === 0 ? ' &<ü>%' : ''}`;
  const seedSeconds = await pool(KEYS, 64, async (i) => {
    await source.putObject(rule.source.bucket, keyOf(i), body, { headers: {}, contentLength: body.length });
    await destination.putObject(rule.destination.bucket, keyOf(i), body, { headers: {}, contentLength: body.length });
  });

  const drain = async (pages: AsyncIterable<unknown[]>) => { let n = 0; for await (const p of pages) n += p.length; return n; };
  // Once untimed first: the servers' listing code warms up (JIT), as it has in the planner's and job's runs.
  await Promise.all([drain(source.listObjects(rule.source.bucket, { prefix: 'b/' })), drain(destination.listObjects(rule.destination.bucket, { prefix: 'b/' }))]);
  const listingBoth = await timed(() => Promise.all([drain(source.listObjects(rule.source.bucket, { prefix: 'b/' })), drain(destination.listObjects(rule.destination.bucket, { prefix: 'b/' }))]));

  const runId = `bench-bfl-${randomUUID().slice(0, 8)}`;
  await ensureTopics(kafka, [`${runId}.backfill`, `${runId}.jobs`].map((topic) => ({ topic, partitions: 1, replicationFactor: 1, cleanupPolicy: 'delete' as const })));
  const tx = await createTransactionalProducer(kafka, runId);
  let job = newJob({ jobId: runId, ruleId: 'bl', prefix: 'b/', compare: 'LISTING', now: Date.now() });
  const stopProfile = await profilePhase();
  const planner = await timed(() => planJob({
    rule: { id: 'bl', action: rule.action, prefixes: rule.prefixes, source: rule.source, destination: rule.destination },
    source, destination, versioned: false, pageKeys: 1000, current: () => job, shouldStop: () => false,
    commitPage: async (tasks, next) => {
      await tx.commit([
        { topic: `${runId}.backfill`, records: tasks.map((t) => ({ key: objectKey(t.sourceBucket, t.key), value: encode('BackfillTask', t) })) },
        { topic: `${runId}.jobs`, records: [{ key: next.jobId, value: encode('BackfillJob', next) }] },
      ]);
      job = next;
    },
  }));
  await stopProfile();
  await tx.disconnect();

  const view = await startJobView(consumerOpener(kafka), config.topicNames.backfillJobs, 'bench-bfl-view');
  const owner = await startBackfillOwner({ config, openConsumer: consumerOpener(kafka), view, storeFor: local.storeFor as never, logger, pageKeys: 1000,
    transactionalProducer: (id) => createTransactionalProducer(kafka, id), endOffsets: (t) => endOffsets(kafka, t) });
  await waitFor(() => owner.owning(), 60_000, 50);
  const record = newJob({ jobId: `bfl-${randomUUID().slice(0, 8)}`, ruleId: 'bl', prefix: 'b/', compare: 'LISTING', now: Date.now() });
  const whole = await timed(async () => {
    await local.producer.send(config.topicNames.backfillJobs, [{ key: record.jobId, value: encode('BackfillJob', record) }]);
    await waitFor(() => view.get(record.jobId)?.latest.state === 'DONE', 600_000, 10);
    return view.get(record.jobId)!.latest;
  });
  await owner.stop();
  await view.stop();

  const strip = <T extends { result: unknown }>(r: T) => { const { result: _, ...rest } = r; return rest; };
  process.stdout.write(`${JSON.stringify({
    load_average_1m: round(loadavg()[0], 2), keys: KEYS, seed_seconds: round(seedSeconds, 1),
    listing_both: { ...strip(listingBoth), listed: listingBoth.result },
    planner: { ...strip(planner), listed: job.listed, in_sync: job.inSync, published: job.published, ratio_to_listing_both: round(planner.keys_per_sec / listingBoth.keys_per_sec, 3) },
    job: { ...strip(whole), listed: whole.result.listed, in_sync: whole.result.inSync, published: whole.result.published },
    goal_keys_per_sec: 20_000,
  })}\n`);
} finally {
  await local.stop();
}
process.exit(0);
