// Issue 12, item 2: versioning enabled on one bucket of a running rule halts that rule alone (its triggers
// wait, nothing is dead-lettered, crr_rule_halted is 1) while a second rule keeps replicating; once both
// buckets are versioned the rule resumes by itself and its waiting change reaches the destination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricSum, startStack, waitFor } from '../../helpers/pipeline.ts';

test('a versioning change mid-run halts one rule and resumes it, while a second rule keeps replicating', { timeout: 120_000 }, async (t) => {
  const stack = await startStack({
    rules: [{ id: 'halts', source: 'src-h', destination: 'dst-h' }, { id: 'keeps', source: 'src-k', destination: 'dst-k' }],
    partitions: 2, processing: { versioningCheckMs: 500 },
  });
  try {
    const processing = await stack.startProcessing();
    const m = stack.metrics;
    const sh = stack.storeFor('shanghai');
    const put = (bucket: string, key: string) => stack.writer.hz.putObject(stack.bucket(bucket), key, Buffer.from(key), { headers: {}, contentLength: key.length });
    const replicated = (bucket: string, key: string) => async () => (await sh.headObject(stack.bucket(bucket), key)) !== null;
    const halted = () => metricSum(m.ruleHalted, (l) => l.rule === 'halts' && l.reason === 'versioning');

    await put('src-h', 'h0');
    await put('src-k', 'k0');
    await waitFor('both rules replicate', async () => (await replicated('dst-h', 'h0')()) && (await replicated('dst-k', 'k0')()));

    // The destination of one rule becomes versioned: the pair disagrees.
    await stack.client('shanghai').putBucketVersioning(stack.bucket('dst-h'), 'Enabled');
    await waitFor('rule halts is halted', async () => (await halted()) === 1, 30_000);
    await put('src-h', 'h1');
    await put('src-k', 'k1');
    await waitFor('rule keeps still replicates', replicated('dst-k', 'k1'), 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // several checks and retry rounds later
    assert.equal(await replicated('dst-h', 'h1')(), false, 'a halted rule writes nothing');
    assert.equal(await metricSum(m.ruleHalted, (l) => l.rule === 'keeps'), 0, 'the other rule is not halted');
    assert.equal(await metricSum(m.deadLetters), 0, 'a halted rule\'s triggers wait, they are not dead-lettered');

    // The source becomes versioned too: both agree, the rule resumes and its waiting change lands.
    await stack.client('hangzhou').putBucketVersioning(stack.bucket('src-h'), 'Enabled');
    await waitFor('rule halts resumes', async () => (await halted()) === 0, 30_000);
    await waitFor('the waiting change replicates', replicated('dst-h', 'h1'), 30_000);
    const versions = [];
    for await (const page of sh.listObjectVersions(stack.bucket('dst-h'), { prefix: 'h1' })) versions.push(...page);
    t.diagnostic(`dst-h versions of h1: ${versions.length}`);
    assert.ok(versions.length >= 1 && versions.every((v) => v.versionId && v.versionId !== 'null'), 'replicated as a versioned pair');
    assert.equal(await metricSum(m.deadLetters), 0);
    assert.equal(await metricSum(m.reconciles, (l) => l.result !== 'ok'), 0);
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
