// Consumer lag on the real broker: the gauges equal end − committed as the admin API reports them, a
// member exports only the partitions it owns (a rebalance removes the others' series), and a broker that
// cannot be reached turns crr_kafka_reachable to 0 while the lag holds its last value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createKafka } from '../../../core/adapters/kafka/client.ts';
import { createConsumer } from '../../../core/adapters/kafka/consumer.ts';
import { brokerOffsets, committedOffsets, endOffsets } from '../../../core/adapters/kafka/offsets.ts';
import { createProducer } from '../../../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import { consumerLagFor } from '../../../core/metrics/consumer-lag.ts';
import { createMetrics } from '../../../core/metrics/metrics.ts';
import type { BrokerOffsets } from '../../../core/ports/bus.ts';
import { freePort } from '../../../deploy/local/free-port.ts';
import { startRunner, type Runner } from '../../../processors/runner/key-ordered-runner.ts';
import { testKafka, uniqueTopic } from '../../helpers/kafka.ts';
import { seedKeyed, waitFor } from '../runner/helpers.ts';

const kafka = testKafka('consumer-lag-test');

async function lagSeries(registry: Registry): Promise<Map<number, number>> {
  const m = await registry.getSingleMetric('crr_consumer_lag_messages')!.get();
  return new Map(m.values.map((v) => [Number(v.labels.partition), v.value]));
}

test('lag = end − committed from the broker, for the owned partitions only; unreachable: reachable 0, lag held', async () => {
  const topic = uniqueTopic('lag');
  const groupId = `${topic}-g`;
  await ensureTopics(kafka, [{ topic, partitions: 2 }]);
  await seedKeyed(kafka, topic, 200, 20, 200);
  const ends = await endOffsets(kafka, topic);
  assert.ok(ends.get(0) !== '0' && ends.get(1) !== '0', `both partitions hold messages: ${[...ends]}`);

  // Member a finishes partition 0 and holds every message of partition 1 until it is revoked.
  const real = brokerOffsets(kafka);
  let target: BrokerOffsets = real;
  const switching: BrokerOffsets = {
    topicOffsets: (t) => target.topicOffsets(t), committedOffsets: (g, t) => target.committedOffsets(g, t), close: async () => {},
  };
  const metrics = createMetrics(new Registry());
  const lag = consumerLagFor(metrics, { offsets: switching, watches: [{ topic, groupId }], ownedOnly: true, intervalMs: 200, timeoutMs: 5000 });
  // On a loaded machine a round may time out (and honestly read as unreachable); the checks below want an answered one.
  const answeredRefresh = async () => waitFor('an answered admin round trip', async () => (await lag.refresh(), lag.reachable() === true), 30_000, 10);
  let owned: number[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const member = async (name: string, holdPartition1: boolean): Promise<Runner> => startRunner({
    consumer: await createConsumer(kafka, { groupId, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 300 }),
    topics: [topic], fromBeginning: true, concurrency: 32, commitIntervalMs: 100, // above the 20 keys: held keys never starve partition 0
    metrics: name === 'a' ? { onAssignment: (parts) => { owned = parts[topic] ?? []; lag.own(topic, owned); } } : {},
    handle: async (msg, { signal }) => {
      if (holdPartition1 && msg.partition === 1) {
        await new Promise<void>((resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error));
          void released.then(resolve);
        });
      }
    },
  });
  const runners: Runner[] = [];
  try {
    runners.push(await member('a', true));
    await lag.start();
    await waitFor('partition 0 committed to its end', async () => (await committedOffsets(kafka, groupId, topic)).get(0) === ends.get(0), 30_000, 100);
    await waitFor('the gauges show partition 0 caught up and all of partition 1 behind', async () => {
      const s = await lagSeries(metrics.registry);
      return s.get(0) === 0 && s.get(1) === Number(ends.get(1));
    }, 10_000, 100);
    const committed = await committedOffsets(kafka, groupId, topic);
    assert.ok(['-1', '0'].includes(committed.get(1)!), `nothing of partition 1 finished, so nothing past its start committed: ${committed.get(1)}`);

    // A second member: the group splits the two partitions, and a's gauges follow its assignment.
    runners.push(await member('b', false));
    await waitFor('a owns one partition', () => owned.length === 1, 30_000, 50);
    const s = await lagSeries(metrics.registry);
    assert.deepEqual([...s.keys()], owned, 'only the owned partition has a series: the revoked one is removed');
    release(); // a may have kept partition 1
    await waitFor('every message committed', async () => {
      const c = await committedOffsets(kafka, groupId, topic);
      return c.get(0) === ends.get(0) && c.get(1) === ends.get(1);
    }, 30_000, 100);
    await waitFor('a\'s gauge reads 0 for its partition', async () => (await lagSeries(metrics.registry)).get(owned[0]!) === 0, 10_000, 100);
    await answeredRefresh();
    assert.deepEqual(await metrics.registry.getSingleMetric('crr_kafka_reachable')!.get().then((m) => m.values.map((v) => v.value)), [1]);

    // Unreachable: the members stop, 30 messages land on a's partition, then the monitor's broker is a closed port.
    for (const r of runners) await r.stop();
    runners.length = 0;
    const stillOwned = owned[0]!;
    const producer = await createProducer(kafka);
    await producer.send(topic, Array.from({ length: 30 }, (_, i) => ({ key: `late-${i}`, value: Buffer.from('x'), partition: stillOwned })));
    await producer.disconnect();
    // A round already in flight (the 200 ms timer's) may have read the offsets before the send, and a refresh
    // joins it: let it end, so that the answered round read after the send.
    await lag.refresh();
    await answeredRefresh();
    const before = await lagSeries(metrics.registry);
    const expected = Number((await endOffsets(kafka, topic)).get(stillOwned)) - Number((await committedOffsets(kafka, groupId, topic)).get(stillOwned));
    assert.equal(expected, 30);
    assert.equal(before.get(stillOwned), expected, 'lag = end − committed after the members stopped');
    const closed = createKafka({ brokers: [`127.0.0.1:${await freePort()}`], clientId: 'lag-closed-port', retry: { retries: 0 }, connectionTimeoutMs: 300 });
    target = brokerOffsets(closed);
    // A timer round already in flight against the real broker may still land after the switch: wait for a
    // round against the closed port to be the last word.
    await waitFor('a round against the closed port', async () => {
      await lag.refresh();
      return lag.reachable() === false;
    }, 15_000, 100);
    assert.deepEqual(await metrics.registry.getSingleMetric('crr_kafka_reachable')!.get().then((m) => m.values.map((v) => v.value)), [0]);
    assert.deepEqual(await lagSeries(metrics.registry), before, 'lag holds its last known value while the broker is unreachable');
    await target.close();
  } finally {
    for (const r of runners) await r.stop();
    lag.stop();
    await real.close();
  }
});
