// A processor's readiness (GET /readyz) from its runners' group members: connected to Kafka, a member with
// an assignment, and not stalled (nothing finished for stalledAfterMs while messages wait).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '../../core/logging.ts';
import { createMetrics } from '../../core/metrics/metrics.ts';
import type { BusProducer } from '../../core/ports/bus.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { processingReadiness, withBrokerLag } from '../../processors/readiness.ts';
import { startRunner } from '../../processors/runner/key-ordered-runner.ts';
import { startProcessing } from '../../processors/start-processing.ts';
import { FakeBrokerOffsets } from '../helpers/fake-broker-offsets.ts';
import { oneRuleConfig } from '../helpers/unit-config.ts';
import { FakeConsumer, messages } from './runner/fake-consumer.ts';

const limits = { contactTimeoutMs: 9000, stalledAfterMs: 60_000 };
const healthy = { member: true, partitions: 3, lastContactAt: 1_000_000, lastProgressAt: 1_000_000, lag: 0 };

test('each condition on its own makes the processor unready, with its reason', () => {
  const at = 1_000_000;
  assert.deepEqual(processingReadiness({ changes: healthy }, limits, at + 5000), { ready: true, reasons: [] });
  const cases: [Partial<typeof healthy> & { lastContactAt?: number | undefined }, number, RegExp][] = [
    [{ lastContactAt: undefined }, at, /changes: not connected to Kafka yet/],
    [{}, at + 9500, /changes: no answer from Kafka for 9.5 s/],
    [{ member: false }, at, /changes: not a member of its consumer group/],
    [{ partitions: 0 }, at, /changes: the group assigned it no partition/],
    [{ lag: 12, lastContactAt: at + 61_000 }, at + 61_000, /changes: stalled: nothing finished for 61 s while 12 messages wait/],
  ];
  for (const [change, now, reason] of cases) {
    const r = processingReadiness({ changes: { ...healthy, ...change } }, limits, now);
    assert.equal(r.ready, false, String(reason));
    assert.equal(r.reasons.length, 1, r.reasons.join('; '));
    assert.match(r.reasons[0]!, reason);
  }
  // A second lane (backfill) may own no partition; its member must still be connected.
  assert.equal(processingReadiness({ changes: healthy, backfill: { ...healthy, partitions: 0 } }, limits, at).ready, true);
  assert.match(processingReadiness({ changes: healthy, backfill: { ...healthy, member: false } }, limits, at).reasons.join(), /backfill: not a member/);
  // Idle with nothing to do is not a stall.
  assert.equal(processingReadiness({ changes: { ...healthy, lastContactAt: at + 61_000 } }, limits, at + 61_000).ready, true);
});

test('a runner reports its member: none before the join, ready once assigned and answered, not after a crash, stalled while work waits', async () => {
  const consumer = new FakeConsumer();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const runner = await startRunner({ consumer, topics: ['t'], commitIntervalMs: 20, handle: () => gate });
  try {
    const now = () => Date.now();
    assert.deepEqual(processingReadiness({ changes: runner.health() }, limits, now()).reasons,
      ['changes: not connected to Kafka yet', 'changes: not a member of its consumer group']);
    consumer.assign({ t: [0, 1] });
    consumer.contact();
    assert.deepEqual(processingReadiness({ changes: runner.health() }, limits, now()), { ready: true, reasons: [] });

    // A handler that never finishes, with more messages behind it: after stalledAfterMs the member is stalled.
    await consumer.deliver('t', 0, messages('t', 0, 0, 5, () => 'same-key'), '5');
    await new Promise((r) => setTimeout(r, 60));
    const h = runner.health();
    assert.equal(h.lag, 5);
    assert.equal(processingReadiness({ changes: h }, limits, now()).ready, true, 'not stalled yet');
    const later = processingReadiness({ changes: { ...h, lastContactAt: now() + 61_000 } }, limits, now() + 61_000);
    assert.match(later.reasons.join('\n'), /stalled: nothing finished for 61(\.\d)? s while 5 messages wait/);

    consumer.crash(new Error('No broker available'), true);
    assert.match(processingReadiness({ changes: runner.health() }, limits, now()).reasons.join('\n'), /not a member of its consumer group/);
    consumer.assign({ t: [0, 1] }, 'member-2');
    assert.equal(runner.health().member, true, 'a member again after the rejoin');
  } finally {
    release();
    await runner.stop();
  }
});

test('the stall is judged on the broker\'s lag: a fetch that stopped with messages waiting is not idle', () => {
  const at = 1_000_000;
  // The fetched lag froze at 0 (no batch since); the broker says 7 messages wait past the committed offset.
  const frozen = { ...healthy, lag: 0, lastContactAt: at + 61_000 };
  assert.equal(processingReadiness({ changes: frozen }, limits, at + 61_000).ready, true, 'the fetched lag alone reads as idle');
  const fromBroker = withBrokerLag(frozen, new Map([[0, 3], [2, 4]]));
  assert.equal(fromBroker.lag, 7);
  assert.match(processingReadiness({ changes: fromBroker }, limits, at + 61_000).reasons.join(), /changes: stalled: nothing finished for 61 s while 7 messages wait/);
  // The broker's lag replaces the fetched one both ways; no reading yet leaves the fetched lag.
  assert.equal(withBrokerLag({ ...healthy, lag: 9 }, new Map([[0, 0]])).lag, 0);
  assert.equal(withBrokerLag({ ...healthy, lag: 9 }, new Map()).lag, 9);
  assert.equal(withBrokerLag({ ...healthy, lag: 9 }, undefined).lag, 9);
});

test('a processor whose member holds partitions but fetches nothing, while the broker has messages for it, reads stalled', async () => {
  const config = oneRuleConfig({ groupId: 'g', stalledAfterMs: 1000, handoverGraceMs: 0 });
  const topic = config.topicNames.changes;
  const consumer = new FakeConsumer();
  const broker = new FakeBrokerOffsets();
  broker.setEnd(topic, 0, 12);
  broker.setEnd(topic, 1, 4);
  broker.commit('g', topic, 0, 5);
  broker.commit('g', topic, 1, 4);
  let skew = 0; // the processor's clock runs ahead of the fake consumer's contact times by this much
  const processing = await startProcessing({
    config, openConsumer: async () => consumer, brokerOffsets: broker, lagIntervalMs: 60_000, now: () => Date.now() + skew,
    producer: { send: async () => [], sendBatch: async () => [], disconnect: async () => {} } satisfies BusProducer,
    storeFor: () => ({ listMultipartUploads: async () => [] }) as unknown as ObjectStore,
    metrics: createMetrics(new Registry()), logger: createLogger('test', 'silent', new Writable({ write: (_c, _e, cb) => cb() })),
  });
  try {
    consumer.assign({ [topic]: [0, 1] });
    consumer.contact();
    assert.equal(processing.readiness().ready, true, 'just assigned');
    assert.equal(processing.runner.health().lag, 0, 'no batch was fetched: the runner knows of no lag');
    skew = 2000; // past stalledAfterMs, inside the contact timeout (5 s)
    consumer.contact();
    const r = processing.readiness();
    assert.equal(r.ready, false);
    assert.deepEqual(r.reasons, ['changes: stalled: nothing finished for 2 s while 7 messages wait']);
  } finally {
    await processing.stop();
  }
});
