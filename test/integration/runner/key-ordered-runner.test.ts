// The runner on the real broker: exactly-once handling in per-key order with real concurrency and a
// final commit at the end offsets; backpressure by pausing; a rejecting handler stops the runner short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConsumer } from '../../../core/adapters/kafka/consumer.ts';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import { startRunner, type InboundMessage } from '../../../processors/runner/key-ordered-runner.ts';
import { testKafka, uniqueTopic } from '../../helpers/kafka.ts';
import { committedOffsets, endOffsets, firstHandlingOrderViolation, seedKeyed, waitFor, type Handling } from './helpers.ts';

const kafka = testKafka('runner-test');

test('5,000 messages over 200 keys: each handled once, per key in offset order, keys concurrent, committed to the end', async () => {
  const topic = uniqueTopic('runner-order');
  const groupId = `${topic}-g`;
  await ensureTopics(kafka, [{ topic, partitions: 4 }]);
  await seedKeyed(kafka, topic, 5000, 200);

  const handledCount = new Map<string, number>();
  const order: Handling[] = [];
  const runningKeys = new Set<string>();
  let active = 0;
  let maxActive = 0;
  let keyOverlap = false;
  const runner = await startRunner({
    consumer: await createConsumer(kafka, { groupId }), topics: [topic], fromBeginning: true, concurrency: 32, commitIntervalMs: 100,
    handle: async (msg: InboundMessage) => {
      const key = msg.key!.toString();
      const id = `${msg.partition}:${key}`;
      if (runningKeys.has(id)) keyOverlap = true;
      runningKeys.add(id);
      maxActive = Math.max(maxActive, ++active);
      await sleep(Math.random() * 4);
      active--;
      runningKeys.delete(id);
      const uid = `${msg.partition}@${msg.offset}`;
      handledCount.set(uid, (handledCount.get(uid) ?? 0) + 1);
      order.push({ key, partition: msg.partition, offset: Number(msg.offset) });
    },
  });
  const t0 = Date.now();
  try {
    await waitFor('5,000 distinct messages handled', () => handledCount.size >= 5000, 40_000);
  } finally {
    await runner.stop();
  }
  await runner.done;
  const elapsed = Date.now() - t0;

  assert.equal(handledCount.size, 5000);
  assert.deepEqual([...handledCount.values()].filter((n) => n !== 1), [], 'some message was handled twice');
  assert.equal(keyOverlap, false, 'one key ran twice at once');
  assert.equal(firstHandlingOrderViolation(order), undefined);
  assert.ok(maxActive > 1 && maxActive <= 32, `max concurrently running keys was ${maxActive}`);
  const ends = await endOffsets(kafka, topic);
  const committed = await committedOffsets(kafka, groupId, topic);
  assert.deepEqual(committed, ends);
  const stats = runner.stats();
  assert.equal(stats.inFlight, 0);
  assert.deepEqual(new Map(Object.entries(stats.committed).map(([id, o]) => [Number(id.split('/').pop()), o])), ends);
  console.log(`# 5000 messages, 200 keys, concurrency 32: ${elapsed} ms, max ${maxActive} keys at once`);
});

test('a slow handler pauses fetching instead of buffering without bound', async () => {
  const topic = uniqueTopic('runner-pause');
  await ensureTopics(kafka, [{ topic, partitions: 1 }]);
  await seedKeyed(kafka, topic, 600, 600, 10); // small record batches, so a 1 KiB fetch holds few
  let handled = 0;
  let maxBuffered = 0;
  let sawPause = false;
  const runner = await startRunner({
    consumer: await createConsumer(kafka, { groupId: `${topic}-g`, maxBytesPerPartition: 1024 }),
    topics: [topic], fromBeginning: true, concurrency: 4, maxBufferedPerPartition: 40, commitIntervalMs: 100,
    handle: async () => {
      await sleep(2);
      handled++;
      const s = runner.stats();
      maxBuffered = Math.max(maxBuffered, s.buffered + s.inFlight);
      if (s.paused.length > 0) sawPause = true;
    },
  });
  try {
    await waitFor('600 handled', () => handled >= 600, 30_000);
  } finally {
    await runner.stop();
  }
  assert.equal(handled, 600);
  assert.ok(sawPause, 'the partition was never paused');
  // One batch of at most 1 KiB may land on top of the limit before the pause takes effect.
  assert.ok(maxBuffered < 40 + 100, `buffered up to ${maxBuffered}`);
  assert.deepEqual(await committedOffsets(kafka, `${topic}-g`, topic), await endOffsets(kafka, topic));
});

test('a rejecting handler: onError, done rejects, and nothing at or past the failed message is committed', async () => {
  const topic = uniqueTopic('runner-fail');
  const groupId = `${topic}-g`;
  await ensureTopics(kafka, [{ topic, partitions: 1 }]);
  await seedKeyed(kafka, topic, 200, 5);
  const boom = new Error('bug in handler');
  const errors: { err: unknown; offset: string }[] = [];
  const runner = await startRunner({
    consumer: await createConsumer(kafka, { groupId }), topics: [topic], fromBeginning: true, concurrency: 5, commitIntervalMs: 50,
    handle: async (msg) => {
      await sleep(1);
      if (msg.offset === '120') throw boom;
    },
    onError: (err, msg) => errors.push({ err, offset: msg.offset }),
  });
  await assert.rejects(runner.done, (err) => err === boom);
  await runner.stop(); // idempotent after a failure
  assert.deepEqual(errors, [{ err: boom, offset: '120' }]);
  const committed = await committedOffsets(kafka, groupId, topic);
  const c = BigInt(committed.get(0) ?? '-1');
  assert.ok(c <= 120n, `committed ${c} passes the failed message`);
  assert.ok(c >= 100n, `committed ${c}: the work finished before the failure should be committed on the way out`);
});
