// Readers that commit nothing leave no consumer group on the broker: a rules view (the group of its own it
// reads the rules topic in) and a read of a topic at offsets (crr status's) delete their group when done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createProducer } from '../../../core/adapters/kafka/producer.ts';
import { readerAt } from '../../../core/adapters/kafka/read-at.ts';
import { groupIds, throwawayConsumerOpener } from '../../../core/adapters/kafka/throwaway-group.ts';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import { ruleSchema } from '../../../core/config/schema.ts';
import { createLogger } from '../../../core/logging.ts';
import { ruleRecord } from '../../../core/rules/rule-record.ts';
import { startRulesView } from '../../../core/rules/rules-view.ts';
import { encode } from '../../../schemas/codec.ts';
import { testKafka, uniqueTopic } from '../../helpers/kafka.ts';

test('a rules view that stopped and a read at offsets leave no consumer group behind', { timeout: 60_000 }, async () => {
  const kafka = testKafka('throwaway-groups-test');
  const topic = uniqueTopic('rules');
  await ensureTopics(kafka, [{ topic, partitions: 1, cleanupPolicy: 'compact' }]);
  const producer = await createProducer(kafka);
  try {
    const endpoint = { endpoint: 'http://127.0.0.1:1', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'A', accessKeySecretEnv: 'B' };
    const endpoints = { hz: endpoint, sh: { ...endpoint, region: 'oss-cn-shanghai' } } as never;
    const rule = ruleSchema.parse({ id: 'r1', source: { endpoint: 'hz', bucket: 'src-a' }, destination: { endpoint: 'sh', bucket: 'dst-b' } });
    await producer.send(topic, [{ key: 'r1', value: encode('Rule', ruleRecord(rule, 'ACTIVE', Date.now())) }]);
    const group = `throwaway-${randomBytes(4).toString('hex')}`;
    const ours = async () => (await groupIds(kafka)).filter((g) => g.startsWith(group));
    const view = await startRulesView({ openConsumer: throwawayConsumerOpener(kafka), topic, group, endpoints, logger: createLogger('throwaway-groups-test', 'warn') });
    await view.caughtUp(1n, 30_000);
    assert.deepEqual([...view.entries().keys()], ['r1'], 'the view read the topic');
    assert.equal((await ours()).length, 1, 'while it runs the view is in a group of its own');
    await view.stop();
    assert.deepEqual(await ours(), [], 'the stopped view\'s group is deleted');

    const before = new Set(await groupIds(kafka));
    const read = await readerAt(kafka)(topic, new Map([[0, '0']]));
    assert.equal(read.get(0)?.key?.toString(), 'r1');
    const left = (await groupIds(kafka)).filter((g) => g.startsWith('crr-read-at-') && !before.has(g));
    assert.deepEqual(left, [], 'the read\'s group is deleted');
  } finally {
    await producer.disconnect();
  }
});
