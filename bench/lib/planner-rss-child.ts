// Child of bench/backfill.ts: the planner over a synthetic listing of N keys on each side (generated page by
// page, as a store streams them), 1 % of them different, its pages committed through a real Kafka
// transaction. Prints its peak RSS and CPU, so the figure is the planner's alone.
import { randomUUID } from 'node:crypto';
import { createKafka } from '../../core/adapters/kafka/client.ts';
import { ensureTopics } from '../../core/adapters/kafka/topics.ts';
import { createTransactionalProducer } from '../../core/adapters/kafka/transactional-producer.ts';
import type { ListedObject, ObjectStore } from '../../core/ports/object-store.ts';
import { newJob } from '../../producers/backfill/job.ts';
import { planJob } from '../../producers/backfill/planner.ts';
import { encode } from '../../schemas/codec.ts';
import { objectKey } from '../../schemas/records.ts';

const n = Number(process.argv[2]);
const brokers = process.argv[3]!.split(',');
const listing = (differentEvery: number): ObjectStore => ({
  async *listObjects() {
    for (let i = 0; i < n; i += 1000) {
      const page: ListedObject[] = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) page.push({ key: `k/${String(j).padStart(8, '0')}`, etag: j % differentEvery === 0 ? 'b' : 'a', size: 4096, lastModified: 0 });
      yield page;
    }
  },
} as unknown as ObjectStore);

const kafka = createKafka({ brokers, clientId: 'bench-planner' });
const run = `bench-planner-${randomUUID().slice(0, 8)}`;
await ensureTopics(kafka, [`${run}.backfill`, `${run}.jobs`].map((topic) => ({ topic, partitions: 1, replicationFactor: 1, cleanupPolicy: 'delete' as const })));
const tx = await createTransactionalProducer(kafka, run);
let job = newJob({ jobId: run, ruleId: 'r', prefix: null, compare: 'LISTING', now: Date.now() });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await planJob({
  rule: { id: 'r', action: 'ALL', prefixes: [], source: { bucket: 's' }, destination: { bucket: 'd' } },
  source: listing(1e12), destination: listing(100), versioned: false, pageKeys: 1000,
  current: () => job, shouldStop: () => false,
  commitPage: async (tasks, next) => {
    await tx.commit([
      { topic: `${run}.backfill`, records: tasks.map((t) => ({ key: objectKey(t.sourceBucket, t.key), value: encode('BackfillTask', t) })) },
      { topic: `${run}.jobs`, records: [{ key: next.jobId, value: encode('BackfillJob', next) }] },
    ]);
    job = next;
  },
});
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await tx.disconnect();
process.stdout.write(`${JSON.stringify({ listed: job.listed, in_sync: job.inSync, published: job.published, seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  cpu_ms: (cpu.user + cpu.system) / 1000 })}\n`);
process.exit(0);
