// Issue 5 "Done when", failures: with both regions injecting 10 % 503s and connection resets the run still
// converges (through retries); a rule whose destination refuses (403) parks its triggers in the dead-letter
// topic while a rule sharing the partitions keeps replicating, and `crr dlq replay` then makes it converge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fastRetryPolicy } from '../../../core/retry.ts';
import { DLQ_HEADER } from '../../../processors/dead-letter.ts';
import { decode } from '../../../schemas/codec.ts';
import { readUntil } from '../../helpers/kafka.ts';
import { metricSum, projectRoot, startStack, waitFor } from '../../helpers/pipeline.ts';
import { changedOrFailed, drained, openUploads, readOutcomes, topicCount } from './checks.ts';
import { runWorkload } from './workload.ts';

const FAULTS = { errorRate: { '*': 0.1 }, resetRate: 0.05 } as const;

test('10 % injected 503s and connection resets on both regions: retries happen and the run converges', { timeout: 120_000 }, async (t) => {
  const stack = await startStack({
    rules: [{ id: 'plain', source: 'src', destination: 'dst' }, { id: 'versioned', source: 'vsrc', destination: 'vdst', versioned: true }],
    // An InitiateMultipartUpload whose answer a reset cut off leaves an upload its copy never saw: the janitor
    // aborts it once it has been idle for the lease.
    processing: { abandonedUploadAgeMs: 5000 },
  });
  try {
    stack.hz.setFaults(FAULTS);
    stack.sh.setFaults(FAULTS);
    const processing = await stack.startProcessing({ retryPolicy: { ...fastRetryPolicy, retries: 10 } });
    const retry = { ...fastRetryPolicy, retries: 10 };
    await Promise.all([
      runWorkload({ store: stack.writer.hz, bucket: stack.bucket('src'), versioned: false, keys: 100, ops: 500, seed: 5, bigEvery: 250, retry }),
      runWorkload({ store: stack.writer.hz, bucket: stack.bucket('vsrc'), versioned: true, keys: 100, ops: 300, seed: 6, retry }),
    ]);
    await drained(stack);
    // (Listed under the faults too: a failed listing just asks again.)
    await waitFor('no upload left open on dst', () => openUploads(stack.storeFor('shanghai'), stack.bucket('dst')).then((n) => n === 0, () => false), 30_000, 500);
    await processing.stop();
    // Every trigger was handled while the faults were on; only then are they lifted for verification.
    stack.hz.setFaults({});
    stack.sh.setFaults({});
    const m = stack.metrics;
    assert.equal(await metricSum(m.deadLetters), 0, 'nothing dead-lettered');
    for (const id of ['plain', 'versioned']) assert.deepEqual((await stack.verify(id)).differences, [], `rule ${id}`);
    const errors = await metricSum(m.ossRequests, (l) => l.rule !== '' && l.result === 'error');
    const requests = await metricSum(m.ossRequests, (l) => l.rule !== '');
    t.diagnostic(`processor OSS requests: ${requests}, failed and retried: ${errors}`);
    assert.ok(errors > requests * 0.03, 'injected errors were seen (and retried)');
    assert.equal(await metricSum(m.reconciles, (l) => l.result !== 'ok'), 0);
    assert.equal(await openUploads(stack.storeFor('shanghai'), stack.bucket('dst')), 0);
    assert.equal(await topicCount(stack.kafka, stack.config.topicNames.outcomes), await metricSum(m.reconciles, changedOrFailed));
  } finally {
    await stack.stop();
  }
});

test('a destination answering 403 dead-letters only its rule; after the fault clears, `crr dlq replay` makes it converge', { timeout: 120_000 }, async (t) => {
  const stack = await startStack({
    rules: [{ id: 'good', source: 'src-good', destination: 'dst-good' }, { id: 'blocked', source: 'src-blocked', destination: 'dst-blocked' }],
  });
  try {
    stack.sh.setFaults({ bucketErrors: { [stack.bucket('dst-blocked')]: { status: 403, code: 'AccessDenied' } } });
    const processing = await stack.startProcessing();
    const [stats] = await Promise.all([
      runWorkload({ store: stack.writer.hz, bucket: stack.bucket('src-blocked'), versioned: false, keys: 60, ops: 200, seed: 9 }),
      runWorkload({ store: stack.writer.hz, bucket: stack.bucket('src-good'), versioned: false, keys: 30, ops: 100, seed: 10 }),
    ]);
    await stack.waitConverged(['good'], 60_000);
    await drained(stack);
    const m = stack.metrics;
    const parked = await metricSum(m.reconciles, (l) => l.rule === 'blocked' && l.result === 'dead_lettered');
    t.diagnostic(`workload ${JSON.stringify(stats.counts)}; parked ${parked}`);
    assert.ok(parked > 0);
    assert.equal(await metricSum(m.reconciles, (l) => l.rule === 'good' && l.result !== 'ok'), 0);
    assert.equal(await metricSum(m.deadLetters, (l) => l.rule === 'blocked'), parked);

    // Dead letters keep the trigger and say where it came from and why it failed.
    const dlqTopic = stack.config.topicNames.deadLetter;
    assert.equal(await topicCount(stack.kafka, dlqTopic), parked);
    const letters = await readUntil(stack.kafka, dlqTopic, (ms) => ms.length >= parked);
    for (const l of letters) {
      const h = (name: string) => l.headers[name]?.toString();
      assert.equal(h(DLQ_HEADER.topic), stack.config.topicNames.changes);
      assert.match(h(DLQ_HEADER.partition) ?? '', /^\d+$/);
      assert.match(h(DLQ_HEADER.offset) ?? '', /^\d+$/);
      assert.ok(h(DLQ_HEADER.stage));
      assert.ok(h(DLQ_HEADER.code));
      assert.match(h(DLQ_HEADER.message) ?? '', /AccessDenied|403|denied/i);
      assert.equal(h(DLQ_HEADER.rule), 'blocked');
      assert.equal(decode('ObjectChange', l.value!).sourceBucket, stack.bucket('src-blocked'));
    }
    const outcomes = await readOutcomes(stack.kafka, stack.config.topicNames.outcomes, await metricSum(m.reconciles, changedOrFailed));
    assert.equal(outcomes.filter((o) => o.ruleId === 'blocked' && o.result === 'DEAD_LETTERED').length, parked);

    // The fault clears; the replay re-publishes the letters and the running processor reconciles them.
    stack.sh.setFaults({});
    assert.equal((await stack.verify('blocked')).inSync, 0, 'nothing reached the blocked destination');
    const replay = spawn(process.execPath, [join(projectRoot, 'bin/crr.js'), 'dlq', 'replay', '--config', stack.configFile, '--rule', 'blocked'], {
      cwd: projectRoot, env: { ...process.env, ...stack.env, CRR_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    replay.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => replay.once('exit', (c) => r(c)));
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { replayed: parked, skippedOtherRule: 0, notReplayable: 0 });
    await stack.waitConverged(['blocked', 'good'], 60_000);
    assert.ok(await metricSum(m.reconciles, (l) => l.rule === 'blocked' && l.result === 'ok' && l.op !== 'skip') > 0);
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
