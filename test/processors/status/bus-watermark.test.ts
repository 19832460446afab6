// The bus-wide watermark on in-memory views and fakes: per rule the oldest unfinished change of that rule
// or the first untaken message, "now" only at the end, the per-rule detail of the commit metadata (one
// stalled rule does not freeze another), folding past Kafka's metadata cap, and no claim when unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProgress, encodeProgress } from '../../../processors/progress-metadata.ts';
import { PendingProgress } from '../../../processors/runner/pending-progress.ts';
import { frontier, ruleWatermarks, type PartitionView } from '../../../processors/status/bus-watermark.ts';
import { StatusReader } from '../../../processors/status/read-status.ts';
import type { InboundMessage, ReadAt } from '../../../core/ports/bus.ts';
import { changeRecord, newChange } from '../../../schemas/records.ts';
import { FakeBrokerOffsets } from '../../helpers/fake-broker-offsets.ts';

const NOW = 1_800_000_000_000;
const view = (v: Partial<PartitionView> & { end: bigint }): PartitionView => ({ partition: 0, low: 0n, committed: -1n, progress: undefined, ...v });

test('at the end of every partition the watermark is now; an empty topic too', () => {
  assert.deepEqual(ruleWatermarks(['a'], [view({ end: 10n, committed: 10n })], NOW), new Map([['a', NOW]]));
  assert.deepEqual(ruleWatermarks(['a'], [view({ end: 0n })], NOW), new Map([['a', NOW]]));
});

test('no processor ever ran: the first message\'s capture time holds every rule', () => {
  const p = view({ end: 5n, frontierCaptureTime: NOW - 60_000 });
  assert.equal(frontier(p), 0n);
  assert.deepEqual(ruleWatermarks(['a', 'b'], [p], NOW), new Map([['a', NOW - 60_001], ['b', NOW - 60_001]]));
});

test('a stalled rule holds only itself: the other rule moves to the first untaken message or now', () => {
  const progress = { takenUpTo: '100', oldestPending: { a: NOW - 300_000 } };
  const stalled = view({ partition: 0, end: 100n, committed: 40n, progress });
  const caughtUp = view({ partition: 1, end: 7n, committed: 7n, progress: { takenUpTo: '7', oldestPending: {} } });
  assert.deepEqual(ruleWatermarks(['a', 'b'], [stalled, caughtUp], NOW), new Map([['a', NOW - 300_001], ['b', NOW]]));
  const behind = view({ partition: 0, end: 120n, committed: 40n, progress, frontierCaptureTime: NOW - 2000 });
  assert.deepEqual(ruleWatermarks(['a', 'b'], [behind, caughtUp], NOW), new Map([['a', NOW - 300_001], ['b', NOW - 2001]]));
});

test('a frontier message that could not be read: no claim rather than a wrong one', () => {
  assert.deepEqual(ruleWatermarks(['a'], [view({ end: 3n })], NOW), new Map([['a', undefined]]));
});

test('metadata round trip; past the budget the per-rule detail folds into one minimum for every rule', () => {
  const p = { takenUpTo: '12', oldestPending: { a: 5, b: 3 } };
  assert.deepEqual(decodeProgress(encodeProgress(p)), p);
  const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`tenant-rule-${i}`, NOW - i]));
  const encoded = encodeProgress({ takenUpTo: '9', oldestPending: many });
  assert.ok(Buffer.byteLength(encoded) < 4096, 'fits offset.metadata.max.bytes');
  const folded = decodeProgress(encoded)!;
  assert.equal(folded.oldestPendingAnyRule, NOW - 399);
  const w = ruleWatermarks(['tenant-rule-0', 'other'], [view({ end: 9n, committed: 2n, progress: folded })], NOW);
  assert.deepEqual(w, new Map([['tenant-rule-0', NOW - 400], ['other', NOW - 400]]));
  assert.equal(decodeProgress(null), undefined);
  assert.equal(decodeProgress('someone else\'s'), undefined);
  assert.equal(decodeProgress('crr1:{bad json'), undefined);
});

test('pending progress: the oldest unfinished message per rule at or after the committed offset', () => {
  const p = new PendingProgress();
  const m = [{}, {}, {}, {}];
  p.taken('t/0', 0n, m[0]!, { rules: new Set(['a']), captureTime: 100 });
  p.taken('t/0', 1n, m[1]!, { rules: new Set(['b']), captureTime: 110 });
  const both = { rules: new Set(['a', 'b']), captureTime: 120 };
  p.taken('t/0', 2n, m[2]!, both);
  p.taken('t/0', 3n, m[3]!, undefined); // undecodable: holds nothing
  p.advanced('t/0', 4n);
  assert.deepEqual(decodeProgress(p.metadata('t/0', 0n)), { takenUpTo: '4', oldestPending: { a: 100, b: 110 } });
  p.finished('t/0', 1n, m[1]!);
  p.finished('t/0', 0n, {}); // a straggler of an earlier ownership: not this message
  assert.deepEqual(decodeProgress(p.metadata('t/0', 0n)), { takenUpTo: '4', oldestPending: { a: 100, b: 120 } });
  p.finished('t/0', 0n, m[0]!);
  assert.deepEqual(decodeProgress(p.metadata('t/0', 2n)), { takenUpTo: '4', oldestPending: { a: 120, b: 120 } });
  both.rules.delete('b'); // the handler finished rule b's part; rule a's is still running
  assert.deepEqual(decodeProgress(p.metadata('t/0', 2n)), { takenUpTo: '4', oldestPending: { a: 120 } });
  p.forget('t/0');
  assert.equal(p.metadata('t/0', 2n), undefined);
});

function change(captureTime: number): Buffer {
  return changeRecord(newChange({ eventId: `e${captureTime}`, ruleIds: [], sourceBucket: 'src', region: 'oss-cn-hangzhou', key: 'k', operation: 'PUT',
    eventTime: captureTime, captureTime, captureSource: 'NOTIFICATION', eventName: 'ObjectCreated:PutObject' })).value;
}

test('status from the broker\'s offsets alone: watermark, lag, rate, dead letters; held and marked when unreachable', async () => {
  const broker = new FakeBrokerOffsets();
  broker.setEnd('changes', 0, 10);
  broker.setEnd('changes', 1, 4);
  broker.setEnd('dlq', 0, 3, 1);
  broker.commit('g', 'changes', 0, 6, encodeProgress({ takenUpTo: '8', oldestPending: { a: NOW - 9000 } }));
  broker.commit('g', 'changes', 1, 4, encodeProgress({ takenUpTo: '4', oldestPending: {} }));
  const reads: string[] = [];
  const readAt: ReadAt = async (_topic, at) => {
    const out = new Map<number, InboundMessage>();
    for (const [partition, offset] of at) {
      reads.push(`${partition}@${offset}`);
      out.set(partition, { topic: 'changes', partition, offset, key: null, value: change(NOW - 4000), headers: {}, timestamp: 0 });
    }
    return out;
  };
  let now = NOW;
  const reader = new StatusReader({ offsets: broker, readAt, topics: { changes: 'changes', deadLetter: 'dlq' }, groupId: 'g', rules: ['a', 'b'], now: () => now });
  const r1 = await reader.read();
  assert.deepEqual(reads, ['0@8'], 'only the first untaken message is read');
  assert.equal(r1.rules[0]!.replicatedUntilMs, NOW - 9001);
  assert.equal(r1.rules[1]!.replicatedUntilMs, NOW - 4001);
  assert.equal(r1.rules[1]!.lagSeconds, 4.001);
  assert.equal(r1.changes.lagMessages, 4);
  assert.equal(r1.deadLetters.count, 2);
  assert.equal(r1.changes.changesPerSecond, null);
  assert.deepEqual(r1.jobs, []);

  now += 2000;
  broker.setEnd('changes', 1, 8);
  const r2 = await reader.read();
  assert.equal(r2.changes.changesPerSecond, 2);
  assert.deepEqual(reads, ['0@8', '1@4'], 'a frontier read once is remembered');

  broker.mode = 'fail';
  now += 1000;
  const r3 = await reader.read();
  assert.equal(r3.kafka.reachable, false);
  assert.equal(r3.rules[0]!.replicatedUntilMs, r2.rules[0]!.replicatedUntilMs, 'the watermark holds while Kafka cannot be reached');
  assert.equal(r3.rules[0]!.lagSeconds, (now - r2.rules[0]!.replicatedUntilMs!) / 1000, 'and the lag in seconds grows');

  // A broker that does not answer at all (kafkajs retries a dead one for ~30 s): after timeoutMs the report
  // says unreachable, holds the watermark, and a second read joins the call still running instead of adding one.
  const hanging = new StatusReader({ offsets: broker, readAt, topics: { changes: 'changes', deadLetter: 'dlq' }, groupId: 'g', rules: ['a'], timeoutMs: 50 });
  broker.mode = 'ok';
  const h1 = await hanging.read();
  broker.mode = 'hang';
  const calls = broker.calls;
  const h2 = await hanging.read();
  const h3 = await hanging.read();
  assert.equal(h2.kafka.reachable, false);
  assert.match(h2.kafka.error!, /no answer from Kafka in 50 ms/);
  assert.equal(h3.rules[0]!.replicatedUntilMs, h1.rules[0]!.replicatedUntilMs);
  assert.equal(broker.calls - calls, 3, 'one read of the offsets at a time (three calls), not one per report');
});
