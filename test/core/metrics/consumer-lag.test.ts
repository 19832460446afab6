// Consumer lag on an in-memory fake of the broker's offsets: end − committed per partition, only the owned
// partitions exported, a revoked partition's series removed, and an unreachable broker holding the lag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { consumerLagFor, partitionLag } from '../../../core/metrics/consumer-lag.ts';
import { createMetrics } from '../../../core/metrics/metrics.ts';
import { FakeBrokerOffsets } from '../../helpers/fake-broker-offsets.ts';

async function series(metrics: ReturnType<typeof createMetrics>, name: string): Promise<Record<string, number>> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  return Object.fromEntries((m?.values ?? []).map((v) => [Object.values(v.labels).join('/'), v.value]));
}

test('partitionLag: end − committed; nothing committed reads from the earliest offset held; never negative', () => {
  assert.equal(partitionLag({ partition: 0, low: '0', high: '10' }, { offset: '4', metadata: null }), 6);
  assert.equal(partitionLag({ partition: 0, low: '3', high: '10' }, { offset: '-1', metadata: null }), 7);
  assert.equal(partitionLag({ partition: 0, low: '3', high: '10' }, undefined), 7);
  assert.equal(partitionLag({ partition: 0, low: '0', high: '10' }, { offset: '10', metadata: null }), 0);
});

test('lag of the owned partitions from the broker; a revoked partition\'s series is removed at once', async () => {
  const broker = new FakeBrokerOffsets();
  for (const p of [0, 1, 2]) broker.setEnd('changes', p, 100 + p);
  broker.commit('g', 'changes', 0, 40);
  broker.commit('g', 'changes', 1, 101);
  const metrics = createMetrics(new Registry());
  const lag = consumerLagFor(metrics, { offsets: broker, watches: [{ topic: 'changes', groupId: 'g' }], ownedOnly: true, intervalMs: 60_000 });
  lag.own('changes', [0, 1, 2]);
  await lag.start();
  assert.deepEqual(await series(metrics, 'crr_consumer_lag_messages'), { 'changes/0': 60, 'changes/1': 0, 'changes/2': 102 });
  assert.deepEqual(await series(metrics, 'crr_kafka_reachable'), { '': 1 });

  lag.own('changes', [1]); // a rebalance took 0 and 2 away
  assert.deepEqual(await series(metrics, 'crr_consumer_lag_messages'), { 'changes/1': 0 });
  broker.setEnd('changes', 1, 150);
  await lag.refresh();
  assert.deepEqual(await series(metrics, 'crr_consumer_lag_messages'), { 'changes/1': 49 });
  assert.deepEqual(Object.fromEntries(lag.lag('changes')), { 1: 49 });
  lag.stop();
  assert.deepEqual(await series(metrics, 'crr_consumer_lag_messages'), {}, 'a stopped process exports no lag');
});

test('a process that owns no partition exports no lag; without ownedOnly every partition is exported', async () => {
  const broker = new FakeBrokerOffsets();
  broker.setEnd('changes', 0, 5);
  broker.setEnd('changes', 1, 7);
  const owner = createMetrics(new Registry());
  const none = consumerLagFor(owner, { offsets: broker, watches: [{ topic: 'changes', groupId: 'g' }], ownedOnly: true });
  await none.refresh();
  assert.deepEqual(await series(owner, 'crr_consumer_lag_messages'), {});
  const status = createMetrics(new Registry());
  const all = consumerLagFor(status, { offsets: broker, watches: [{ topic: 'changes', groupId: 'g' }] });
  await all.refresh();
  assert.deepEqual(await series(status, 'crr_consumer_lag_messages'), { 'changes/0': 5, 'changes/1': 7 });
});

test('an unreachable broker: crr_kafka_reachable 0 and the lag held at its last known value, not 0; back to 1 after', async () => {
  const broker = new FakeBrokerOffsets();
  broker.setEnd('changes', 0, 100);
  broker.commit('g', 'changes', 0, 30);
  const metrics = createMetrics(new Registry());
  const lag = consumerLagFor(metrics, { offsets: broker, watches: [{ topic: 'changes', groupId: 'g' }], ownedOnly: true, timeoutMs: 50 });
  lag.own('changes', [0]);
  await lag.refresh();
  assert.equal(lag.reachable(), true);

  broker.mode = 'fail';
  await lag.refresh();
  assert.equal(lag.reachable(), false);
  assert.deepEqual(await series(metrics, 'crr_kafka_reachable'), { '': 0 });
  assert.deepEqual(await series(metrics, 'crr_consumer_lag_messages'), { 'changes/0': 70 });

  broker.mode = 'hang'; // no answer at all: the round's own timeout decides
  await lag.refresh();
  assert.deepEqual(await series(metrics, 'crr_kafka_reachable'), { '': 0 });
  assert.deepEqual(await series(metrics, 'crr_consumer_lag_messages'), { 'changes/0': 70 });

  broker.mode = 'ok';
  broker.setEnd('changes', 0, 120);
  broker.commit('g', 'changes', 0, 120);
  await lag.refresh();
  assert.deepEqual(await series(metrics, 'crr_kafka_reachable'), { '': 1 });
  assert.deepEqual(await series(metrics, 'crr_consumer_lag_messages'), { 'changes/0': 0 });
});

test('crr_kafka_reachable is registered only by a process that polls the broker', async () => {
  const metrics = createMetrics(new Registry());
  assert.equal(metrics.registry.getSingleMetric('crr_kafka_reachable'), undefined);
});
