// Backfill jobs under an operator's hand, through `crr backfill` children and one `crr process` child: a
// rule with historical: true backfills by itself, from the config file or applied on the rules topic while the
// processor (the jobs' owner) runs; pause holds the tasks (nothing done, nothing dead-lettered)
// and resume finishes the job; cancel ends a job with its remaining tasks skipped and counted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerOpener } from '../../../core/adapters/kafka/consumer.ts';
import { createLogger } from '../../../core/logging.ts';
import { startLocalStack, type ProcessorChild } from '../../../deploy/local/stack.ts';
import { spawnCrr } from '../../../deploy/local/stack/crr-child.ts';
import { doneCount } from '../../../producers/backfill/job.ts';
import { startJobView } from '../../../core/backfill-job-view.ts';
import { testBrokers } from '../../helpers/kafka.ts';
import { waitFor } from '../../helpers/pipeline.ts';
import { topicCount } from '../pipeline/checks.ts';

const KEYS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('historical: true backfills a new rule (file or rules topic); pause holds tasks, resume finishes; cancel skips and counts the rest', { timeout: 480_000 }, async (t) => {
  const stack = await startLocalStack({
    name: 'bfctl', kafka: { brokers: testBrokers() }, partitions: 2, capture: false,
    rules: [{ id: 'hist', source: 'hsrc', destination: 'hdst', historical: true }, { id: 'ctl', source: 'csrc', destination: 'cdst' }],
    buckets: [{ bucket: 'tsrc', endpoint: 'hangzhou' }, { bucket: 'tdst', endpoint: 'shanghai' }],
    processing: { sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, backfillPageKeys: 20, backfillConcurrency: 2 },
    oss: { timeoutMs: 20_000, writerTimeoutMs: 30_000 }, logger: createLogger('backfill-test', process.env.CRR_LOG_LEVEL ?? 'silent'),
  });
  const view = await startJobView(consumerOpener(stack.kafka), stack.config.topicNames.backfillJobs, 'backfill-ctl-view');
  let proc: ProcessorChild | undefined;
  const crr = async (...args: string[]) => {
    const c = spawnCrr([...(args[0] === 'rules' ? [] : ['backfill']), ...args, '--config', stack.configFile], { env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' } });
    const { code } = await c.exited;
    return { code, out: c.output() };
  };
  try {
    const body = Buffer.alloc(4096, 'x');
    const seed = async (bucket: string, n: number) => {
      for (let i = 0; i < n; i += 20) {
        await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) =>
          stack.writer.hangzhou.putObject(bucket, `k/${i + j}`, body, { headers: {}, contentLength: body.length })));
      }
    };
    await seed(stack.bucket('hsrc'), 50);
    await seed(stack.bucket('csrc'), KEYS);
    await seed(stack.bucket('tsrc'), 30);
    proc = await stack.spawnProcessor({ env: { CRR_LOG_LEVEL: 'info' } });

    // historical: true: the owner starts the rule's job by itself.
    await waitFor('the historical job to end', () => [...view.jobs().values()].some((e) => e.latest.ruleId === 'hist' && e.latest.state === 'DONE'), 120_000);
    const hist = [...view.jobs().values()].find((e) => e.latest.ruleId === 'hist')!.latest;
    assert.deepEqual([hist.listed, hist.published, hist.copied], [50, 50, 50]);
    assert.deepEqual((await stack.verify('hist')).differences, []);

    // The same for a rule applied on the rules topic while the owner runs: its job starts on the owner's next tick.
    const rulesFile = join(stack.dir, 'rules.yaml');
    writeFileSync(rulesFile, JSON.stringify({ rules: [{ id: 'topic-hist', historical: true,
      source: { endpoint: 'hangzhou', bucket: stack.bucket('tsrc') }, destination: { endpoint: 'shanghai', bucket: stack.bucket('tdst') } }] }));
    const applied = await crr('rules', 'apply', '-f', rulesFile);
    assert.equal(applied.code, 0, applied.out);
    await waitFor('the topic rule\'s historical job to end', () => [...view.jobs().values()].some((e) => e.latest.ruleId === 'topic-hist' && e.latest.state === 'DONE'), 120_000);
    const topicJobs = [...view.jobs().values()].filter((e) => e.latest.ruleId === 'topic-hist');
    assert.equal(topicJobs.length, 1, 'one job for the rule');
    assert.deepEqual([topicJobs[0]!.latest.listed, topicJobs[0]!.latest.published, topicJobs[0]!.latest.copied], [30, 30, 30]);
    let replicas = 0;
    for await (const page of stack.writer.shanghai.listObjects(stack.bucket('tdst'), { prefix: 'k/' })) replicas += page.length;
    assert.equal(replicas, 30, 'every object of the topic rule\'s source is in its destination');

    const started = await crr('start', '--rule', 'ctl');
    assert.equal(started.code, 0, started.out);
    const jobId = /started backfill job (\S+)/.exec(started.out)![1]!;
    const job = () => view.get(jobId)!.latest;
    await waitFor('some tasks done', () => (view.get(jobId) ? doneCount(job()) : 0) >= 10, 60_000, 50);
    const paused = await crr('pause', jobId);
    assert.equal(paused.code, 0, paused.out);
    await waitFor('the job to be PAUSED', () => job().state === 'PAUSED', 30_000, 50);
    await sleep(1500); // the tasks in flight when the pause came finish
    const held = doneCount(job());
    await sleep(3000);
    assert.equal(doneCount(job()), held, 'no task is done while the job is paused');
    assert.ok(held < KEYS, `paused before the end (${held} done)`);
    const status = await crr('status', '--job', jobId, '--json');
    assert.equal(JSON.parse(status.out.trim().split('\n').pop()!)[0].state, 'PAUSED');
    const resumed = await crr('resume', jobId);
    assert.equal(resumed.code, 0, resumed.out);
    await waitFor('the job to end', () => job().state === 'DONE', 120_000);
    assert.deepEqual([job().listed, job().published, doneCount(job()), job().deadLettered], [KEYS, KEYS, KEYS, 0]);
    assert.deepEqual((await stack.verify('ctl')).differences, []);
    t.diagnostic(`paused at ${held} of ${KEYS} done`);

    // --compare full: every source key is a task (all in sync now, so all skipped); cancelled right away.
    const second = await crr('start', '--rule', 'ctl', '--compare', 'full');
    assert.equal(second.code, 0, second.out);
    const secondId = /started backfill job (\S+)/.exec(second.out)![1]!;
    const cancelled = await crr('cancel', secondId);
    assert.equal(cancelled.code, 0, cancelled.out);
    await waitFor('the cancelled job to settle', () => view.get(secondId)?.latest.state === 'CANCELLED' && view.get(secondId)!.latest.completedAt !== null, 60_000, 100);
    const c = view.get(secondId)!.latest;
    assert.equal(c.total, c.published, 'a cancelled job totals what it published');
    assert.equal(doneCount(c), c.published, 'every published task counted');
    assert.equal(c.copied + c.deleted + c.updated + c.deadLettered, 0);
    assert.equal(await topicCount(stack.kafka, stack.config.topicNames.deadLetter), 0, 'nothing dead-lettered');
    const unknown = await crr('pause', 'no-such-job');
    assert.equal(unknown.code, 2, unknown.out);
  } catch (err) {
    t.diagnostic(proc?.output().split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-8).join('\n') ?? '');
    throw err;
  } finally {
    await view.stop().catch(() => {});
    await proc?.stop(5000);
    await stack.stop();
  }
});
