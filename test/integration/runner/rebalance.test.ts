// Two runners in one group share the partitions; stopping one hands its partitions to the other, and
// nothing is lost on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConsumer } from '../../../core/adapters/kafka/consumer.ts';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import { startRunner, type Runner, type RunnerOptions } from '../../../processors/runner/key-ordered-runner.ts';
import { testKafka, uniqueTopic } from '../../helpers/kafka.ts';
import { committedOffsets, endOffsets, firstHandlingOrderViolation, seedKeyed, waitFor, type Handling } from './helpers.ts';

const TOTAL = 3000;

test('two runners share a group; stopping one hands its partitions over and nothing is lost', async () => {
  const kafka = testKafka('runner-rebalance-test');
  const topic = uniqueTopic('runner-rebalance');
  const groupId = `${topic}-g`;
  await ensureTopics(kafka, [{ topic, partitions: 4 }]);
  await seedKeyed(kafka, topic, TOTAL, 150, 50);

  const order: Handling[] = [];
  const byRunner = { a: new Set<number>(), b: new Set<number>() };
  const counts = { a: 0, b: 0 };
  const distinct = new Set<string>();
  const assignments = { a: [] as number[][], b: [] as number[][] };
  const options = async (name: 'a' | 'b'): Promise<RunnerOptions> => ({
    consumer: await createConsumer(kafka, { groupId, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 300 }),
    topics: [topic], fromBeginning: true, concurrency: 4, commitIntervalMs: 100,
    metrics: { onAssignment: (parts) => assignments[name].push([...(parts[topic] ?? [])].sort()) },
    handle: async (msg) => {
      await sleep(2 + Math.random() * 6);
      counts[name]++;
      byRunner[name].add(msg.partition);
      distinct.add(`${msg.partition}@${msg.offset}`);
      order.push({ key: msg.key!.toString(), partition: msg.partition, offset: Number(msg.offset) });
    },
  });

  let a: Runner | undefined;
  let b: Runner | undefined;
  try {
    a = await startRunner(await options('a'));
    await waitFor('runner a under way', () => counts.a >= 300);
    b = await startRunner(await options('b'));
    await waitFor('runner b under way', () => counts.b >= 100);
    const shared = { a: assignments.a.at(-1)!, b: assignments.b.at(-1)! };
    assert.equal(shared.a.length + shared.b.length, 4, `assignments ${JSON.stringify(shared)}`);
    assert.ok(shared.a.length > 0 && shared.b.length > 0, `partitions not shared: ${JSON.stringify(shared)}`);
    const bBefore = new Set(byRunner.b);
    await a.stop();
    await a.done;
    await waitFor('every message handled', () => distinct.size >= TOTAL, 40_000);
    assert.deepEqual(assignments.b.at(-1), [0, 1, 2, 3], 'runner b did not take over every partition');
    // b handled partitions that only a owned before.
    assert.ok([...byRunner.b].some((p) => !bBefore.has(p)), 'runner b never handled a partition taken over from a');
  } finally {
    await a?.stop();
    await b?.stop();
  }
  await b.done;

  assert.equal(distinct.size, TOTAL);
  assert.equal(firstHandlingOrderViolation(order), undefined);
  assert.deepEqual(await committedOffsets(kafka, groupId, topic), await endOffsets(kafka, topic));
  console.log(`# handled by a: ${counts.a}, by b: ${counts.b}, repeats: ${counts.a + counts.b - TOTAL}`);
});

test('a partition handed over waits out the grace: no key is ever handled by two runners at once', async () => {
  const kafka = testKafka('runner-handover-test');
  const topic = uniqueTopic('runner-handover');
  const groupId = `${topic}-g`;
  await ensureTopics(kafka, [{ topic, partitions: 4 }]);
  const total = 400;
  await seedKeyed(kafka, topic, total, 40, 100);
  const running = new Map<string, string>(); // key → the runner handling it now
  const overlaps: string[] = [];
  const distinct = new Set<string>();
  let handledByB = 0;
  const options = async (name: 'a' | 'b'): Promise<RunnerOptions> => ({
    consumer: await createConsumer(kafka, { groupId, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 300 }),
    topics: [topic], fromBeginning: true, concurrency: 16, commitIntervalMs: 100,
    handoverGraceMs: Number(process.env.CRR_TEST_HANDOVER_GRACE_MS ?? 1500),
    handle: async (msg) => {
      const key = msg.key!.toString();
      const other = running.get(key);
      if (other && other !== name) overlaps.push(`${key}: ${name} started while ${other} was handling it`);
      running.set(key, name);
      await sleep(200); // long enough to be in flight when the partitions move
      if (running.get(key) === name) running.delete(key);
      distinct.add(`${msg.partition}@${msg.offset}`);
      if (name === 'b') handledByB++;
    },
  });
  let a: Runner | undefined;
  let b: Runner | undefined;
  try {
    a = await startRunner(await options('a'));
    await waitFor('runner a under way', () => distinct.size >= 40);
    b = await startRunner(await options('b'));
    await waitFor('every message handled', () => distinct.size >= total, 60_000);
  } finally {
    await a?.stop();
    await b?.stop();
  }
  assert.ok(handledByB > 0, 'runner b took over some partitions');
  assert.deepEqual(overlaps, []);
});
