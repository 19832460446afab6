// Issue 10 "Done when", backfill: a source with odd keys and a destination that already holds some of them
// equal, some different and some of its own; `crr backfill start` (a child) records the job and `crr process`
// children plan and reconcile it, with the planner (the jobs' owner) SIGKILLed mid-listing and a worker
// SIGKILLed. The destination ends equal to the source, the job ends DONE at 100 %, and its counts add up exactly.
// The suite runs 1,000 keys and 3 worker kills (105 s at a load average near 19; 5 kills took 134 s near 22);
// BACKFILL_KEYS=20000 BACKFILL_WORKER_KILLS=5 is the size (passed in 567 s at a load average of 16-23).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerOpener } from '../../../core/adapters/kafka/consumer.ts';
import { createLogger } from '../../../core/logging.ts';
import { startLocalStack } from '../../../deploy/local/stack.ts';
import { spawnCrr } from '../../../deploy/local/stack/crr-child.ts';
import { startJobView } from '../../../core/backfill-job-view.ts';
import type { BackfillJob } from '../../../schemas/types.ts';
import { testBrokers } from '../../helpers/kafka.ts';
import { waitFor } from '../../helpers/pipeline.ts';
import { startBackfillMembers } from '../../helpers/backfill-members.ts';

const KEYS = Number(process.env.BACKFILL_KEYS ?? 1000);
// Pages small enough that two planner kills land mid-listing (a few pages in, of about 40 at the least).
const PAGE_KEYS = Math.max(25, Math.floor(KEYS / 200));
// Waits grow with the size: the full 20,000 keys take minutes on a loaded machine.
const JOB_END_MS = Math.max(240_000, KEYS * 60);
const WORKER_KILLS = Number(process.env.BACKFILL_WORKER_KILLS ?? 3);

/** Keys a test of listing order must hold: unicode, spaces, +, %, a very long one, and a pair that sorts one way in UTF-16 and the other in bytes. */
function keyAt(i: number): string {
  const odd = ['é/été 😀', 'a b/c d', 'plus+sign', 'per%20cent%', `long/${'x'.repeat(900)}`, 'z\uFFFD', 'z😀', 'ä+ö %2F/ü'];
  return i < odd.length ? `${odd[i]}-${i}` : `k/${String(i).padStart(6, '0')}`;
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

test(`backfill of ${KEYS} keys with the planner SIGKILLed twice mid-listing and a worker SIGKILLed ${WORKER_KILLS} times: exact counts, destination equals source`, { timeout: 360_000 + JOB_END_MS }, async (t) => {
  const stack = await startLocalStack({
    name: 'backfill', kafka: { brokers: testBrokers() }, rules: [{ id: 'bf', source: 'src', destination: 'dst' }], partitions: 4, capture: false,
    processing: { sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, backfillPageKeys: PAGE_KEYS, backfillConcurrency: 16, retries: 8 },
    oss: { timeoutMs: 20_000, writerTimeoutMs: 30_000 }, logger: createLogger('backfill-test', process.env.CRR_LOG_LEVEL ?? 'silent'),
  });
  let members: Awaited<ReturnType<typeof startBackfillMembers>> | undefined;
  const view = await startJobView(consumerOpener(stack.kafka), stack.config.topicNames.backfillJobs, 'backfill-test-view');
  try {
    const src = stack.bucket('src');
    const dst = stack.bucket('dst');
    const body = (i: number, v = 0) => Buffer.alloc(4096, `${i}:${v}:`);
    const put = (store: typeof stack.writer.hangzhou, bucket: string, key: string, b: Buffer) =>
      store.putObject(bucket, key, b, { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: b.length });
    const t0 = Date.now();
    const indexes = Array.from({ length: KEYS }, (_, i) => i);
    const equal = indexes.filter((i) => i % 10 === 0); // 10 %
    const different = indexes.filter((i) => i % 20 === 5); // 5 %
    const destOnly = Array.from({ length: 25 }, (_, i) => `k/${String(KEYS + i).padStart(6, '0')}-only-in-destination`);
    await pool(indexes, 32, (i) => put(stack.writer.hangzhou, src, keyAt(i), body(i)).then(() => undefined));
    await pool([...equal.map((i) => [i, 0] as const), ...different.map((i) => [i, 1] as const)], 32,
      ([i, v]) => put(stack.writer.shanghai, dst, keyAt(i), body(i, v)).then(() => undefined));
    await pool(destOnly, 16, (k) => put(stack.writer.shanghai, dst, k, body(0)).then(() => undefined));
    t.diagnostic(`seeded ${KEYS} + ${equal.length + different.length + destOnly.length} objects in ${Date.now() - t0} ms`);

    members = await startBackfillMembers(stack);
    await members.owner();

    const start = spawnCrr(['backfill', 'start', '--config', stack.configFile, '--rule', 'bf'], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    assert.equal((await start.exited).code, 0, start.output());
    const jobId = /started backfill job (\S+)/.exec(start.output())![1]!;
    const job = () => view.get(jobId)?.latest;

    // A second start for the same rule names the running job and exits 5.
    const again = spawnCrr(['backfill', 'start', '--config', stack.configFile, '--rule', 'bf'], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    assert.equal((await again.exited).code, 5, again.output());
    assert.match(again.output(), new RegExp(`already has backfill job ${jobId}`));

    // The planner (the owner) is SIGKILLed twice while it lists; a survivor or a fresh member resumes it.
    // Then a worker (a member that does not own the jobs) is SIGKILLed while tasks are done, WORKER_KILLS times.
    const kills = await members.kill({ job, done: (j) => j.copied + j.deleted + j.skipped, tasksBetweenKills: 20, workerKills: WORKER_KILLS });
    t.diagnostic(`kills: ${kills.join(', ')}`);

    await waitFor('the job to end', () => job()?.state === 'DONE', JOB_END_MS, 200);
    const end = job() as BackfillJob;
    const done = end.copied + end.deleted + end.updated + end.skipped + end.deadLettered;
    t.diagnostic(`job ${JSON.stringify({ ...end, listingMarker: undefined })} after ${Date.now() - t0} ms`);
    assert.equal(end.listed, KEYS + destOnly.length, 'every key of both sides listed once');
    assert.equal(end.inSync, equal.length, 'in sync by listing: exactly the equal ones');
    assert.equal(end.listed, end.inSync + end.published, 'listed = in sync + published');
    assert.equal(end.total, end.published);
    assert.equal(done, end.published, 'done = published');
    // A task whose write landed before its worker died is repeated and then finds the key in sync: it counts once, as skipped.
    assert.ok(end.copied <= KEYS - equal.length && end.deleted <= destOnly.length, 'no more copies or deletes than keys needing them');
    assert.equal(end.copied + end.deleted + end.skipped, KEYS - equal.length + destOnly.length, 'every task done once: copied, deleted, or skipped on a repeat');
    assert.equal(end.updated, 0);
    assert.equal(kills.length, 2 + WORKER_KILLS, 'every kill happened before the job ended');
    assert.equal(end.deadLettered, 0);

    const report = await stack.verify('bf');
    assert.deepEqual(report.differences, [], 'destination equals source key by key');
    assert.equal(report.inSync, KEYS);

    const status = spawnCrr(['backfill', 'status', '--config', stack.configFile, '--job', jobId, '--json'], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    assert.equal((await status.exited).code, 0, status.output());
    const [row] = JSON.parse(status.output().trim().split('\n').pop()!) as { state: string; percent: number; done: number }[];
    assert.equal(row!.state, 'DONE');
    assert.equal(row!.percent, 100);
    assert.equal(row!.done, end.published);

    // The progress display shows the job too, from Kafka alone.
    const display = spawnCrr(['status', '--config', stack.configFile, '--rule', 'bf', '--json'], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'error' } });
    assert.equal((await display.exited).code, 0, display.output());
    const text = display.output();
    const doc = JSON.parse(text.slice(text.indexOf('{\n'), text.lastIndexOf('}') + 1)) as { jobs: { jobId: string; rule: string; state: string; percent: number }[] };
    const shown = doc.jobs.find((j) => j.jobId === jobId);
    assert.ok(shown, `crr status lists job ${jobId}: ${JSON.stringify(doc.jobs)}`);
    assert.equal(shown.rule, 'bf');
    assert.equal(shown.state, 'DONE');
    assert.equal(shown.percent, 100);
  } catch (err) {
    for (const c of members?.spawned ?? []) t.diagnostic(c.output().split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-5).join('\n'));
    throw err;
  } finally {
    await view.stop().catch(() => {});
    await Promise.all((members?.spawned ?? []).map((c) => c.stop(5000)));
    await stack.stop();
  }
});
