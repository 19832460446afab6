// A revoke stops the previous owner's in-flight reconciles: their OSS requests are destroyed, so a copy
// that was still reading a slow source never writes the destination, and the runner learns at once that
// they have stopped (not when the slow answers would have come).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConsumer } from '../../../core/adapters/kafka/consumer.ts';
import { partitionForKey } from '../../../core/murmur2.ts';
import { startRunner, type Runner } from '../../../processors/runner/key-ordered-runner.ts';
import { metricSum, startStack, waitFor } from '../../helpers/pipeline.ts';

const LATENCY_MS = 8000;

test('a revoke aborts in-flight OSS requests: the moved keys\' copies never land, the kept ones do', { timeout: 180_000 }, async () => {
  const stack = await startStack({ rules: [{ id: 'slow', source: 'src', destination: 'dst' }], partitions: 2,
    processing: { concurrency: 16, sessionTimeoutMs: 6000, handoverGraceMs: 0 } });
  let b: Runner | undefined;
  try {
    const src = stack.bucket('src');
    const dst = stack.bucket('dst');
    // Four keys on each of the two partitions (keys are `bucket/key`, murmur2 as the producer places them).
    const byPartition: string[][] = [[], []];
    for (let i = 0; byPartition.some((keys) => keys.length < 4); i++) {
      const key = `k${i}`;
      const keys = byPartition[partitionForKey(`${src}/${key}`, 2)]!;
      if (keys.length < 4) keys.push(key);
    }
    const all = byPartition.flat();
    const put = (key: string) => stack.writer.hz.putObject(src, key, Buffer.from(key), { headers: {}, contentLength: key.length });
    // a replicates one key first, so the rule's context (its versioning probe) is ready before the source slows.
    const a = await stack.startProcessing();
    await put('warm-up');
    await waitFor('warm-up replicated', async () => (await stack.writer.sh.headObject(dst, 'warm-up')) !== null, 60_000);

    stack.hz.setFaults({ latencyMs: LATENCY_MS }); // every source request now takes 8 s to be answered
    await Promise.all(all.map(put)); // (the writes too: their events, and so a's reads, follow them)
    const startedAt = Date.now(); // no source request of a can be answered before startedAt + LATENCY_MS
    await waitFor('every reconcile in flight on a', () => a.runner.stats().inFlight === all.length, 30_000);
    const inFlightAt = Date.now(); // and every one is answered by about inFlightAt + LATENCY_MS

    // b joins the group and takes one partition; it only records what it is given.
    const handledByB = new Set<string>();
    let bPartitions: number[] = [];
    b = await startRunner({
      consumer: await createConsumer(stack.kafka, { groupId: stack.config.processing.groupId, sessionTimeoutMs: 6000, heartbeatIntervalMs: 600 }),
      topics: [stack.config.topicNames.changes], fromBeginning: true,
      metrics: { onAssignment: (parts) => { bPartitions = parts[stack.config.topicNames.changes] ?? []; } },
      handle: async (msg) => void handledByB.add(msg.key!.toString()),
    });
    await waitFor('b owns a partition', () => bPartitions.length === 1, 60_000);
    const moved = byPartition[bPartitions[0]!]!;
    const kept = byPartition[1 - bPartitions[0]!]!;
    await waitFor('a\'s aborted reconciles returned', () => a.runner.stats().inFlight <= kept.length && a.runner.stats().aborting === 0, 60_000);
    assert.ok(Date.now() < startedAt + LATENCY_MS,
      'a\'s reconciles of the moved partition ended only when their source answers came: the requests were not aborted');

    await waitFor('b handled the moved keys', () => moved.every((k) => handledByB.has(`${src}/${k}`)), 60_000);
    for (const key of kept) await waitFor(`${key} replicated by a`, async () => (await stack.writer.sh.headObject(dst, key)) !== null, 60_000);
    // Long past the moment every source answer came: an unaborted copy would have written by now.
    await new Promise((r) => setTimeout(r, Math.max(0, inFlightAt + LATENCY_MS + 2000 - Date.now())));
    for (const key of moved) assert.equal(await stack.writer.sh.headObject(dst, key), null, `${key} was written after its partition moved`);
    assert.equal(await metricSum(stack.metrics.deadLetters), 0, 'an aborted reconcile is not a dead letter');
    assert.ok(await metricSum(stack.metrics.ossRequests, (l) => l.rule === 'slow' && l.result === 'error') >= moved.length,
      'the aborted requests were not counted as failed requests');
  } finally {
    stack.hz.setFaults({});
    await b?.stop();
    await stack.stop();
  }
});
