// Issue 4, "Done when": the local OSS server posts its events to `crr capture --receiver` (a child process)
// while 10,000 mixed operations run; the receiver is SIGKILLed mid-run and restarted on the same port. Every
// change must be on the changes topic, per key in the order it happened, decodable, in its murmur2 partition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionForKey } from '../../../core/murmur2.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { captureSetup, readChanges, startCaptureProcess, startSourceOss, topicEnd, uniqueName, USER_PRINCIPAL, type CaptureProcess } from './fixture.ts';
import { runWorkload, type ExpectedChange } from './workload.ts';

const KEYS_PER_BUCKET = 1250;
const OPS_PER_KEY = 4; // 2 buckets x 1250 keys x 4 = 10,000 operations
const KILL_AFTER_OPS = 3500;

test('10,000 mixed operations reach the changes topic complete, in order per key, across a SIGKILL of the receiver', { timeout: 120_000 }, async (t) => {
  const unversioned = uniqueName('cap-u');
  const versioned = uniqueName('cap-v');
  const setup = await captureSetup([unversioned, versioned]);
  const oss = await startSourceOss({ url: setup.receiverUrl, token: setup.token });
  await oss.createBucket(unversioned);
  await oss.createBucket(versioned, true);
  const kafka = testKafka('capture-workload-test');
  let receiver: CaptureProcess = await startCaptureProcess(setup);
  t.after(async () => {
    receiver.child.kill('SIGKILL');
    await oss.stop();
    await setup.cleanup();
  });

  let killed: Promise<void> | null = null;
  let onTopicAtKill = -1;
  const started = Date.now();
  const workload = await runWorkload(
    [{ name: unversioned, versioned: false, client: oss.user(unversioned) }, { name: versioned, versioned: true, client: oss.user(versioned) }],
    KEYS_PER_BUCKET, OPS_PER_KEY, 48,
    (done) => {
      if (done < KILL_AFTER_OPS || killed) return;
      const victim = receiver;
      killed = (async () => {
        // Frozen first, so the OSS server's next delivery is in flight (sent, unanswered) when the kill lands.
        victim.child.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, 300));
        victim.child.kill('SIGKILL');
        const exit = await victim.exited;
        assert.equal(exit.signal, 'SIGKILL');
        onTopicAtKill = await topicEnd(kafka, setup.changesTopic);
        receiver = await startCaptureProcess(setup);
      })();
    },
  );
  await killed;
  const workloadSeconds = (Date.now() - started) / 1000;
  assert.equal(workload.total, 2 * KEYS_PER_BUCKET * OPS_PER_KEY);
  assert.ok(onTopicAtKill > 0 && onTopicAtKill < workload.total, `killed mid-run: ${onTopicAtKill} records on the topic at the kill`);

  const read = await readChanges(kafka, setup.changesTopic, (cs) => new Set(cs.map((c) => c.change.eventId)).size >= workload.total, 60_000);
  const seconds = (Date.now() - started) / 1000;

  const seen = new Set<string>();
  const actual = new Map<string, ExpectedChange[]>();
  let duplicates = 0;
  for (const { message, change } of read) {
    const key = `${change.sourceBucket}/${change.key}`;
    assert.equal(message.key?.toString('utf8'), key, 'the record key is bucket/key');
    assert.equal(message.partition, partitionForKey(key, setup.partitions), `${key} is in its murmur2 partition`);
    assert.equal(change.captureSource, 'NOTIFICATION');
    assert.equal(change.requester, USER_PRINCIPAL);
    assert.equal(change.region, 'cn-hangzhou');
    assert.deepEqual(change.ruleIds, [change.sourceBucket === unversioned ? 'rule-0' : 'rule-1']);
    // A redelivered event keeps its id: its first appearance is where it happened, a later one is a duplicate.
    if (seen.has(change.eventId)) {
      duplicates++;
      continue;
    }
    seen.add(change.eventId);
    const list = actual.get(key) ?? [];
    list.push({ operation: change.operation, versionId: change.versionId });
    actual.set(key, list);
  }
  assert.equal(actual.size, workload.expected.size, 'every key is on the topic');
  for (const [key, want] of workload.expected) assert.deepEqual(actual.get(key), want, `changes of ${key}, in order`);

  t.diagnostic(`operations ${workload.total} in ${workloadSeconds.toFixed(1)} s; all on the topic after ${seconds.toFixed(1)} s; ` +
    `${onTopicAtKill} records on the topic at the SIGKILL; records ${read.length}, duplicates ${duplicates}`);
});
