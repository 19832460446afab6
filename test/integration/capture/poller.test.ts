// The listing poller on the local OSS server and the real broker: the first poll records a baseline and
// publishes nothing, one change in a 20,000-key bucket publishes exactly one event, its state (in a state
// topic, not on disk) survives a restart, and a versioned bucket's new versions, delete markers and version deletes are each detected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { createProducer, type BusProducer } from '../../../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import type { OssClient } from '../../../core/adapters/oss/client.ts';
import { CoalescingPublisher } from '../../../core/coalescing-publisher.ts';
import { createLogger } from '../../../core/logging.ts';
import { createMetrics } from '../../../core/metrics/metrics.ts';
import { partitionForKey } from '../../../core/murmur2.ts';
import { pollOnce, startPoller, type PollerOptions } from '../../../producers/poller/poller.ts';
import { KafkaSnapshotStore } from '../../../producers/poller/snapshot-store.ts';
import { readTopicToEnd } from '../../../core/adapters/kafka/read-to-end.ts';
import { RuleIndex } from '../../../core/rule-index.ts';
import { testKafka, uniqueTopic } from '../../helpers/kafka.ts';
import { readChanges, startSourceOss, topicEnd, uniqueName, type ReadChange, type SourceOss } from './fixture.ts';

const PARTITIONS = 3;

/** Puts `count` small objects named `<prefix><n>`, `concurrency` at a time. */
async function fill(client: OssClient, prefix: string, count: number, concurrency = 64): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const n = next++;
      await client.put(`${prefix}${String(n).padStart(6, '0')}`, Buffer.from(String(n)));
    }
  }));
}

const versionOf = (result: unknown): string => (result as { res: { headers: Record<string, string> } }).res.headers['x-oss-version-id'];

describe('listing poller', () => {
  let oss: SourceOss;
  let kafka: KafkaClient;
  let producer: BusProducer;

  before(async () => {
    oss = await startSourceOss();
    kafka = testKafka('capture-poller-test');
    producer = await createProducer(kafka);
  });
  after(async () => {
    await producer.disconnect();
    await oss.stop();
  });

  /** A fresh bucket, changes topic and state topic, and poller options over them. */
  async function setup(opts: { versioned?: boolean } = {}) {
    const bucket = uniqueName(opts.versioned ? 'poll-v' : 'poll-u');
    await oss.createBucket(bucket, opts.versioned);
    const topic = uniqueTopic('poller-changes');
    const stateTopic = uniqueTopic('poller-state');
    await ensureTopics(kafka, [{ topic, partitions: PARTITIONS }, { topic: stateTopic, partitions: 1, cleanupPolicy: 'compact' }]);
    const metrics = createMetrics(new Registry());
    const logger = createLogger('poller-test', 'warn');
    /** A store as a new poller process has it: nothing in memory, everything read from the state topic. */
    const newStore = () => new KafkaSnapshotStore({ producer, topic: stateTopic, logger, readState: (onRecord) => readTopicToEnd(kafka, stateTopic, onRecord) });
    const options: PollerOptions = {
      buckets: [{ bucket, region: oss.region, store: oss.store() }],
      rules: new RuleIndex([{ id: 'poll-rule', source: { bucket }, prefixes: [] }]),
      snapshots: newStore(),
      intervalMs: 60_000,
      publisher: new CoalescingPublisher(producer, topic),
      metrics,
      logger,
    };
    const read = (count: number) => readChanges(kafka, topic, (cs) => cs.length >= count, 30_000);
    return { bucket, topic, options, newStore, client: oss.user(bucket), read, target: options.buckets[0] };
  }

  function summary(read: ReadChange[]): string[] {
    return read.map((r) => `${r.change.operation} ${r.change.key}${r.change.versionId ? `@${r.change.versionId}` : ''}`).sort();
  }

  test('a 20,000-key bucket: the baseline poll publishes nothing; one overwrite then publishes exactly one event', { timeout: 90_000 }, async (t) => {
    const s = await setup();
    const t0 = Date.now();
    await fill(s.client, 'data/', 20_000);
    const filled = Date.now();

    const baseline = await pollOnce(s.target, s.options);
    const baselineSeconds = (Date.now() - filled) / 1000;
    assert.deepEqual(baseline, { bucket: s.bucket, baseline: true, listed: 20_000, published: 0 });
    assert.equal(await topicEnd(kafka, s.topic), 0, 'the first poll records the baseline without publishing');

    const put = await s.client.put('data/012345', Buffer.from('changed'));
    const t1 = Date.now();
    const second = await pollOnce(s.target, s.options);
    const pollSeconds = (Date.now() - t1) / 1000;
    assert.deepEqual(second, { bucket: s.bucket, baseline: false, listed: 20_000, published: 1 });
    const third = await pollOnce(s.target, s.options);
    assert.equal(third.published, 0, 'an unchanged bucket publishes nothing');

    const read = await s.read(1);
    assert.equal(await topicEnd(kafka, s.topic), 1);
    const [{ change, message }] = read;
    assert.equal(change.operation, 'PUT');
    assert.equal(change.key, 'data/012345');
    assert.equal(change.sourceBucket, s.bucket);
    assert.equal(change.etag, (put.res.headers as Record<string, string>).etag.replace(/"/g, ''));
    assert.equal(change.size, 'changed'.length);
    assert.equal(change.captureSource, 'LISTING');
    assert.deepEqual(change.ruleIds, ['poll-rule']);
    assert.equal(message.partition, partitionForKey(`${s.bucket}/data/012345`, PARTITIONS));
    t.diagnostic(`filled 20,000 keys in ${((filled - t0) / 1000).toFixed(1)} s; baseline poll ${baselineSeconds.toFixed(2)} s; ` +
      `poll with one change ${pollSeconds.toFixed(2)} s`);
  });

  test('state survives a restart elsewhere: stop, one change, a new poller that only has the state topic: exactly one event, no storm', async () => {
    const s = await setup();
    await fill(s.client, 'r/', 1000);
    const first = startPoller(s.options);
    const firstPolls = await first.pollNow();
    await first.stop();
    assert.deepEqual(firstPolls.map((p) => p.published), [0]);

    await s.client.delete('r/000500');

    const second = startPoller({ ...s.options, snapshots: s.newStore() });
    await second.pollNow();
    await second.stop();
    const read = await s.read(1);
    assert.deepEqual(summary(read), ['DELETE r/000500']);
    assert.equal(await topicEnd(kafka, s.topic), 1, 'exactly one event after the restart');
  });

  test('an overwrite with the same bytes (say, new headers) is a change too', async () => {
    const s = await setup();
    await s.client.put('same', Buffer.from('same bytes'), { headers: { 'Content-Type': 'text/plain' } });
    await pollOnce(s.target, s.options);
    // OSS's Last-Modified has whole seconds: only an overwrite in a later second differs in a listing.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    await s.client.put('same', Buffer.from('same bytes'), { headers: { 'Content-Type': 'application/json' } });
    assert.equal((await pollOnce(s.target, s.options)).published, 1);
    assert.deepEqual(summary(await s.read(1)), ['PUT same']);
  });

  test('turning versioning on for a polled bucket is not a storm: its objects become "null" versions, unchanged', async () => {
    const s = await setup();
    await fill(s.client, 'v/', 50);
    assert.equal((await pollOnce(s.target, s.options)).published, 0);
    await oss.user().putBucketVersioning(s.bucket, 'Enabled');
    assert.equal((await pollOnce(s.target, s.options)).published, 0);
    const id = versionOf(await s.client.put('v/000007', Buffer.from('new')));
    assert.equal((await pollOnce(s.target, s.options)).published, 1);
    assert.deepEqual(summary(await s.read(1)), [`PUT v/000007@${id}`]);
  });

  test('a versioned bucket: a new version, a delete marker and a version delete are each detected', async () => {
    const s = await setup({ versioned: true });
    const ids: Record<string, string[]> = {};
    for (const key of ['a', 'b', 'c', 'untouched']) {
      ids[key] = [versionOf(await s.client.put(key, Buffer.from(`${key}1`))), versionOf(await s.client.put(key, Buffer.from(`${key}2`)))];
    }
    assert.equal((await pollOnce(s.target, s.options)).published, 0);

    const newVersion = versionOf(await s.client.put('a', Buffer.from('a3')));
    const marker = versionOf(await s.client.delete('b'));
    await s.client.delete('c', { versionId: ids.c[0] } as never);
    const poll = await pollOnce(s.target, s.options);
    assert.equal(poll.published, 3);

    const read = await s.read(3);
    assert.deepEqual(summary(read), [`DELETE c@${ids.c[0]}`, `DELETE_MARKER b@${marker}`, `PUT a@${newVersion}`].sort());
    assert.equal(await topicEnd(kafka, s.topic), 3);
    assert.equal((await pollOnce(s.target, s.options)).published, 0);
  });
});
