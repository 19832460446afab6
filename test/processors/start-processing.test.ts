// Lanes: each is a runner of its own (topic, consumer group, budget of keys in flight), opened through the
// consumer port; a busy lane never takes the other's budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { createLogger } from '../../core/logging.ts';
import { createMetrics } from '../../core/metrics/metrics.ts';
import type { BusProducer, GroupMemberOptions } from '../../core/ports/bus.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { changesLane, startProcessing } from '../../processors/start-processing.ts';
import { oneRuleConfig } from '../helpers/unit-config.ts';
import { FakeConsumer, messages } from './runner/fake-consumer.ts';

const config = oneRuleConfig({ groupId: 'crr-processors', concurrency: 3, handoverGraceMs: 0 });

test('two lanes: two consumer groups on two topics, each with its own budget of keys in flight', async () => {
  const opened: { opts: GroupMemberOptions; consumer: FakeConsumer }[] = [];
  const openConsumer = async (opts: GroupMemberOptions) => {
    const consumer = new FakeConsumer();
    opened.push({ opts, consumer });
    return consumer;
  };
  const running = { changes: 0, backfill: 0 };
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const blocked = (lane: 'changes' | 'backfill') => async () => {
    running[lane]++;
    await gate;
  };
  const quiet = createLogger('test', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));
  const processing = await startProcessing({
    config,
    openConsumer,
    lanes: [
      { ...changesLane(config), handle: blocked('changes') },
      { name: 'backfill', topic: 'crr.backfill', groupId: 'crr-backfill', concurrency: 2, handle: blocked('backfill') },
    ],
    producer: { send: async () => [], sendBatch: async () => [], disconnect: async () => {} } satisfies BusProducer,
    storeFor: () => ({ listMultipartUploads: async () => [] }) as unknown as ObjectStore,
    metrics: createMetrics(new Registry()),
    logger: quiet,
  });
  try {
    assert.deepEqual(opened.map((o) => [o.opts.groupId, o.consumer.subscribed?.topics]), [
      ['crr-processors', [config.topicNames.changes]],
      ['crr-backfill', ['crr.backfill']],
    ]);
    const [changes, backfill] = opened.map((o) => o.consumer) as [FakeConsumer, FakeConsumer];
    changes.assign({ [config.topicNames.changes]: [0] });
    backfill.assign({ 'crr.backfill': [0] });
    await backfill.deliver('crr.backfill', 0, messages('crr.backfill', 0, 0, 50, (o) => `k${o}`));
    await changes.deliver(config.topicNames.changes, 0, messages(config.topicNames.changes, 0, 0, 5, (o) => `k${o}`));
    await sleep(30);
    assert.deepEqual(running, { changes: 3, backfill: 2 });
    assert.deepEqual(Object.keys(processing.runners), ['changes', 'backfill']);
    assert.equal(processing.runner, processing.runners.changes);
  } finally {
    release();
    await processing.stop();
  }
  assert.ok(opened.every((o) => o.consumer.disconnected));
});
