// Backfill jobs that meet failures, through `crr backfill`, `crr status` and `crr dlq replay` children and one
// `crr process` child: a job whose source bucket is gone ends FAILED with the reason in its record, in
// `crr backfill status` and in `crr status`; a job whose tasks were dead-lettered (the destination refused
// every PUT) ends DONE with them counted as dead letters, and once `crr dlq replay` has sent them back to the
// backfill topic the job's record counts them as copied instead: done = published throughout, nothing twice;
// a job whose listing keeps failing (503) FAILS once its retry budget is spent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerOpener } from '../../../core/adapters/kafka/consumer.ts';
import { createLogger } from '../../../core/logging.ts';
import { startLocalStack, type ProcessorChild } from '../../../deploy/local/stack.ts';
import { spawnCrr } from '../../../deploy/local/stack/crr-child.ts';
import { endOffsets } from '../../../core/adapters/kafka/offsets.ts';
import { createTransactionalProducer } from '../../../core/adapters/kafka/transactional-producer.ts';
import { DLQ_HEADER } from '../../../processors/dead-letter.ts';
import { startBackfillOwner } from '../../../producers/backfill/owner.ts';
import { doneCount } from '../../../producers/backfill/job.ts';
import { startJobView } from '../../../core/backfill-job-view.ts';
import { readUntil, testBrokers } from '../../helpers/kafka.ts';
import { waitFor } from '../../helpers/pipeline.ts';

const KEYS = 30;

test('a job whose source bucket is gone FAILS with the reason; dead-lettered tasks replayed by `crr dlq replay` are recounted, not counted twice', { timeout: 300_000 }, async (t) => {
  const stack = await startLocalStack({
    name: 'bffail', kafka: { brokers: testBrokers() }, partitions: 2, capture: false,
    rules: [{ id: 'gone', source: 'gsrc', destination: 'gdst' }, { id: 'dl', source: 'dsrc', destination: 'ddst' }],
    processing: { sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, backfillPageKeys: 10, backfillConcurrency: 32, retries: 1 },
    oss: { timeoutMs: 20_000, writerTimeoutMs: 30_000 }, logger: createLogger('backfill-test', process.env.CRR_LOG_LEVEL ?? 'silent'),
  });
  const view = await startJobView(consumerOpener(stack.kafka), stack.config.topicNames.backfillJobs, 'backfill-fail-view');
  let proc: ProcessorChild | undefined;
  const crr = async (...args: string[]) => {
    const c = spawnCrr([...args, '--config', stack.configFile], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    const { code } = await c.exited;
    return { code, out: c.output() };
  };
  const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!);
  const t0 = Date.now();
  const step = (what: string) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  try {
    const body = Buffer.alloc(4096, 'f');
    await Promise.all(Array.from({ length: KEYS }, (_, i) => stack.writer.hangzhou.putObject(stack.bucket('dsrc'), `k/${i}`, body, { headers: {}, contentLength: body.length })));
    // What OSS answers for a deleted bucket; and a destination region refusing every PUT (retriable, so retried, then dead-lettered).
    await stack.regions.hangzhou.setFaults({ bucketErrors: { [stack.bucket('gsrc')]: { status: 404, code: 'NoSuchBucket' } } });
    await stack.regions.shanghai.setFaults({ errorRate: { PutObject: 1 }, errorStatus: 503 });
    proc = await stack.spawnProcessor({ env: { CRR_LOG_LEVEL: 'info' } });
    step('seeded, processor spawned');

    const started = await crr('backfill', 'start', '--rule', 'gone');
    assert.equal(started.code, 0, started.out);
    const goneId = /started backfill job (\S+)/.exec(started.out)![1]!;
    await waitFor('the job to FAIL', () => view.get(goneId)?.latest.state === 'FAILED', 60_000, 100);
    assert.match(view.get(goneId)!.latest.error ?? '', /BUCKET_NOT_FOUND/);
    step('the job of the missing bucket FAILED');
    const status = await crr('backfill', 'status', '--job', goneId, '--json');
    assert.equal(status.code, 0, status.out);
    const [row] = lastJson(status.out) as { state: string; error: string }[];
    assert.equal(row!.state, 'FAILED');
    assert.match(row!.error, /BUCKET_NOT_FOUND.*NoSuchBucket|NoSuchBucket/);
    const text = await crr('backfill', 'status', '--job', goneId);
    assert.match(text.out, /state=FAILED .*error: listing failed: BUCKET_NOT_FOUND/);
    const display = await crr('status', '--rule', 'gone', '--json');
    assert.equal(display.code, 0, display.out);
    const doc = JSON.parse(display.out.slice(display.out.indexOf('{\n'), display.out.lastIndexOf('}') + 1)) as { jobs: { jobId: string; state: string; error: string }[] };
    const shown = doc.jobs.find((j) => j.jobId === goneId);
    assert.equal(shown?.state, 'FAILED', JSON.stringify(doc.jobs));
    assert.match(shown!.error, /BUCKET_NOT_FOUND/);
    // A failed job no longer holds the rule: a new job may start (it fails the same way while the bucket is gone).
    const retry = await crr('backfill', 'start', '--rule', 'gone');
    assert.equal(retry.code, 0, retry.out);

    const dl = await crr('backfill', 'start', '--rule', 'dl');
    assert.equal(dl.code, 0, dl.out);
    const dlId = /started backfill job (\S+)/.exec(dl.out)![1]!;
    const job = () => view.get(dlId)?.latest;
    await waitFor('the dead-lettered job to end', () => job()?.state === 'DONE', 120_000, 100);
    assert.deepEqual([job()!.published, job()!.deadLettered, job()!.copied], [KEYS, KEYS, 0]);
    step('the dead-lettered job ended');
    const letters = await readUntil(stack.kafka, stack.config.topicNames.deadLetter, (ms) => ms.length >= KEYS);
    assert.ok(letters.every((l) => l.headers[DLQ_HEADER.topic]?.toString() === stack.config.topicNames.backfill && l.headers[DLQ_HEADER.rule]?.toString() === 'dl'));
    const dead = await crr('backfill', 'status', '--job', dlId, '--json');
    assert.equal((lastJson(dead.out) as { deadLettered: number }[])[0]!.deadLettered, KEYS, 'dead letters of this job');

    await stack.regions.shanghai.setFaults({});
    const replay = await crr('dlq', 'replay', '--rule', 'dl');
    assert.equal(replay.code, 0, replay.out);
    assert.deepEqual(lastJson(replay.out), { replayed: KEYS, skippedOtherRule: 0, notReplayable: 0 });
    step('replayed');
    await waitFor('the replayed tasks to be recounted', () => job()?.deadLettered === 0, 60_000, 100);
    step('recounted');
    const end = job()!;
    t.diagnostic(JSON.stringify({ ...end, listingMarker: undefined }));
    assert.equal(end.state, 'DONE');
    assert.deepEqual([end.copied, end.deadLettered, doneCount(end), end.published, end.listed], [KEYS, 0, KEYS, KEYS, KEYS], 'done = published: each task once');
    assert.deepEqual((await stack.verify('dl')).differences, []);

    // A listing that keeps failing (503 on every ListObjectsV2 of the source region) fails the job once its
    // retry budget is spent: an in-process owner with a budget of 2 takes the jobs over from the stopped child.
    await proc.stop(5000);
    proc = undefined;
    step('processor stopped');
    await stack.regions.hangzhou.setFaults({ errorRate: { ListObjectsV2: 1 }, errorStatus: 503 });
    const owner = await startBackfillOwner({ config: stack.config, openConsumer: consumerOpener(stack.kafka), view, storeFor: stack.storeFor as never,
      logger: stack.logger, planAttempts: 2, transactionalProducer: (id) => createTransactionalProducer(stack.kafka, id), endOffsets: (topic) => endOffsets(stack.kafka, topic) });
    try {
      const third = await crr('backfill', 'start', '--rule', 'dl');
      assert.equal(third.code, 0, third.out);
      const thirdId = /started backfill job (\S+)/.exec(third.out)![1]!;
      await waitFor('the job to FAIL after its retries', () => view.get(thirdId)?.latest.state === 'FAILED', 90_000, 100);
      assert.match(view.get(thirdId)!.latest.error ?? '', /listing failed 2 times in a row: THROTTLED/);
      step('the job of the failing listing FAILED');
    } finally {
      await owner.stop();
    }
  } catch (err) {
    t.diagnostic(proc?.output().split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-8).join('\n') ?? '');
    throw err;
  } finally {
    await view.stop().catch(() => {});
    await proc?.stop(5000);
    await stack.stop();
  }
});
