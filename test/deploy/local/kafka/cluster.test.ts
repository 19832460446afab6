// The launcher's three-node KRaft cluster: one quorum of combined nodes; a topic replicated 3 times
// with min.insync.replicas 2 keeps taking acks=all writes and serving every record while one node is
// SIGKILLed, and the node, restarted on its own data and ports, rejoins every partition's ISR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKafka } from '../../../../core/adapters/kafka/client.ts';
import { createProducer } from '../../../../core/adapters/kafka/producer.ts';
import { ensureTopics, topicConfig, topicReplicas } from '../../../../core/adapters/kafka/topics.ts';
import { status } from '../../../../deploy/local/kafka/broker.ts';
import { kafkaClusterForFile } from '../../../helpers/kafka-cluster.ts';
import { readUntil, uniqueTopic } from '../../../helpers/kafka.ts';
import { waitFor } from '../../../helpers/pipeline.ts';

const cluster = kafkaClusterForFile({ brokers: 3 });

test('a three-node cluster keeps acks=all writes and reads whole through a SIGKILL, and the node rejoins', { timeout: 300_000 }, async (t) => {
  const info = cluster();
  t.diagnostic(`cluster of 3 started in ${cluster.startSeconds().toFixed(1)} s (Kafka ${info.version})`);
  assert.equal(info.bootstrap.length, 3);
  assert.deepEqual(info.nodes.map((n) => n.id), [1, 2, 3]);
  const s = await status({ brokers: 3, nodePorts: info.nodes.map((n) => ({ broker: Number(n.brokers.split(':')[1]), controller: Number(n.controller.split(':')[1]) })),
    dataDir: info.dataDir });
  assert.deepEqual(s.nodes.map((n) => [n.id, n.running]), [[1, true], [2, true], [3, true]], 'status shows each node running');

  // A leader's loss is noticed when the controller fences it (broker.session.timeout.ms, 9 s by default,
  // more when the killed node was the active controller): retries must span that, at a steady pace.
  const kafka = createKafka({ brokers: info.bootstrap, clientId: 'cluster-test', retry: { initialRetryTime: 250, maxRetryTime: 2000, retries: 30 } });
  const topic = uniqueTopic('cluster');
  const partitions = 3;
  await ensureTopics(kafka, [{ topic, partitions, replicationFactor: 3, config: { 'min.insync.replicas': '2' } }]);
  const producer = await createProducer(kafka);
  try {
    assert.deepEqual(await topicConfig(kafka, topic, ['min.insync.replicas']), { 'min.insync.replicas': '2' });
    const isrs = () => topicReplicas(kafka, topic);
    assert.ok((await isrs()).every((p) => p.isr.length === 3), 'every partition starts fully replicated');

    const write = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 50) {
        await producer.send(topic, Array.from({ length: Math.min(50, from + count - i) }, (_, j) => ({ key: `k${(i + j) % 40}`, value: Buffer.from(String(i + j)) })));
      }
    };
    await write(0, 300);
    // Reading through a consumer group creates the offsets topic (replication 3) while all nodes are up.
    assert.equal((await readUntil(kafka, topic, (ms) => ms.length >= 300)).length, 300);

    // Kill the node leading partition 0: its partitions need a new leader, and its replicas leave the ISR.
    const leader0 = (await isrs())[0].leader;
    const victim = info.nodes.find((n) => n.id === leader0)!;
    await victim.kill();
    assert.equal(victim.running(), false);
    const t0 = Date.now();
    await write(300, 300);
    t.diagnostic(`300 acks=all writes with node ${victim.id} killed took ${((Date.now() - t0) / 1000).toFixed(1)} s (leader failover included)`);
    const after = await isrs();
    assert.ok(after.every((p) => p.leader !== victim.id && !p.isr.includes(victim.id) && p.isr.length === 2), JSON.stringify(after));

    const all = await readUntil(kafka, topic, (ms) => ms.length >= 600);
    const seen = all.map((m) => Number(m.value!.toString())).sort((a, b) => a - b);
    assert.deepEqual(seen, Array.from({ length: 600 }, (_, i) => i), 'every acknowledged write is read back, once');

    const t1 = Date.now();
    await victim.restart();
    assert.equal(victim.running(), true);
    await waitFor('the restarted node back in every ISR', async () => (await isrs()).every((p) => p.isr.length === 3), 120_000, 500);
    t.diagnostic(`node ${victim.id} restarted and back in every ISR in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  } finally {
    await producer.disconnect();
  }
});
