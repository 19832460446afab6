// Backfill of a versioned pair: keys with up to five versions and delete markers, a tenth of them already
// replicated. The listing compares version chains (etags, sizes, delete markers, oldest first), so the
// replicated keys are in sync with no task; every other chain is reconciled, and verifyRule compares the
// chains of both sides version by version. The planner is SIGKILLed twice mid-listing and a worker SIGKILLed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerOpener } from '../../../core/adapters/kafka/consumer.ts';
import { createLogger } from '../../../core/logging.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { startLocalStack } from '../../../deploy/local/stack.ts';
import { spawnCrr } from '../../../deploy/local/stack/crr-child.ts';
import { doneCount } from '../../../producers/backfill/job.ts';
import { startJobView } from '../../../core/backfill-job-view.ts';
import { testBrokers } from '../../helpers/kafka.ts';
import { waitFor } from '../../helpers/pipeline.ts';
import { startBackfillMembers } from '../../helpers/backfill-members.ts';

const KEYS = Number(process.env.BACKFILL_VERSIONED_KEYS ?? 200);
const PAGE_KEYS = Math.max(10, Math.floor(KEYS / 40));
// The planner is SIGKILLed twice mid-listing as in backfill.test.ts; workers once in the suite (BACKFILL_WORKER_KILLS=5: the issue's).
const WORKER_KILLS = Number(process.env.BACKFILL_WORKER_KILLS ?? 1);

test(`backfill of a versioned pair: ${KEYS} keys with up to 5 versions and delete markers, the planner SIGKILLed twice and a worker ${WORKER_KILLS} times`, { timeout: 300_000 + KEYS * 200 }, async (t) => {
  const stack = await startLocalStack({
    name: 'bfver', kafka: { brokers: testBrokers() }, partitions: 2, capture: false,
    rules: [{ id: 'ver', source: 'vsrc', destination: 'vdst', versioned: true }],
    processing: { sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, backfillPageKeys: PAGE_KEYS },
    oss: { timeoutMs: 20_000, writerTimeoutMs: 30_000 }, logger: createLogger('backfill-test', process.env.CRR_LOG_LEVEL ?? 'silent'),
  });
  const view = await startJobView(consumerOpener(stack.kafka), stack.config.topicNames.backfillJobs, 'backfill-ver-view');
  let members: Awaited<ReturnType<typeof startBackfillMembers>> | undefined;
  try {
    const writeChain = async (store: ObjectStore, bucket: string, i: number) => {
      const key = `v/${i}`;
      for (let v = 0; v <= i % 5; v++) {
        const b = Buffer.alloc(1024 + v, `${i}.${v}`);
        await store.putObject(bucket, key, b, { headers: {}, contentLength: b.length });
      }
      if (i % 5 === 0) await store.deleteObject(bucket, key);
    };
    const indexes = Array.from({ length: KEYS }, (_, i) => i);
    for (let i = 0; i < KEYS; i += 25) await Promise.all(indexes.slice(i, i + 25).map((k) => writeChain(stack.writer.hangzhou, stack.bucket('vsrc'), k)));
    const replicated = indexes.filter((i) => i % 10 === 3);
    await Promise.all(replicated.map((k) => writeChain(stack.writer.shanghai, stack.bucket('vdst'), k)));

    members = await startBackfillMembers(stack);
    await members.owner();
    const start = spawnCrr(['backfill', 'start', '--config', stack.configFile, '--rule', 'ver'], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    assert.equal((await start.exited).code, 0, start.output());
    const jobId = /started backfill job (\S+)/.exec(start.output())![1]!;
    const current = () => view.get(jobId)?.latest;
    const kills = await members.kill({ job: current, done: doneCount, tasksBetweenKills: 10, workerKills: WORKER_KILLS });
    t.diagnostic(`kills: ${kills.join(', ')}`);
    assert.equal(kills.length, 2 + WORKER_KILLS, 'every kill happened before the job ended');
    await waitFor('the job to end', () => current()?.state === 'DONE', Math.max(240_000, KEYS * 150));
    const job = view.get(jobId)!.latest;
    t.diagnostic(JSON.stringify({ ...job, listingMarker: undefined }));
    assert.equal(job.listed, KEYS);
    assert.equal(job.inSync, replicated.length, 'replicated chains are in sync by listing');
    assert.equal(job.published, KEYS - replicated.length);
    assert.equal(job.listed, job.inSync + job.published, 'listed = in sync + published');
    assert.equal(doneCount(job), job.published, 'done = published');
    assert.equal(job.deadLettered, 0);
    const report = await stack.verify('ver');
    assert.deepEqual(report.differences, [], 'every version chain equal');
    assert.ok(report.versionsCompared > KEYS * 2, `${report.versionsCompared} versions compared`);
  } catch (err) {
    for (const c of members?.spawned ?? []) t.diagnostic(c.output().split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-5).join('\n'));
    throw err;
  } finally {
    await view.stop().catch(() => {});
    await Promise.all((members?.spawned ?? []).map((c) => c.stop(5000)));
    await stack.stop();
  }
});
