// A processor's readiness (GET /readyz) from its runners' group members: connected to Kafka, a member with
// an assignment, and not stalled (nothing finished for stalledAfterMs while messages wait).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processingReadiness } from '../../processors/readiness.ts';
import { startRunner } from '../../processors/runner/key-ordered-runner.ts';
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
