// The capture publisher in a Kafka outage: a request whose sender gave up (the notifier's timeout) takes its
// records back while they still wait behind the request in flight, so the notifier's retries do not queue
// copy after copy of the backlog for the broker's return. Records already in a request are not withdrawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescingPublisher } from '../../core/coalescing-publisher.ts';
import type { BusProducer, OutgoingRecord } from '../../core/ports/bus.ts';

function stalledProducer() {
  const sent: string[][] = [];
  const releases: (() => void)[] = [];
  const producer: BusProducer = {
    async send(_topic, records) {
      sent.push(records.map((r) => String(r.key)));
      await new Promise<void>((r) => releases.push(r));
      return [];
    },
    async sendBatch() { return []; },
    async disconnect() {},
  };
  return { producer, sent, release: () => releases.shift()?.() };
}
const rec = (key: string): OutgoingRecord => ({ key, value: Buffer.from(key) });

test('records withdrawn while queued are never sent; the live retry behind them is', async () => {
  const { producer, sent, release } = stalledProducer();
  const publisher = new CoalescingPublisher(producer, 'changes');
  const first = publisher.publish([rec('a')]);
  const timedOut = new AbortController();
  const retry1 = publisher.publish([rec('b')], timedOut.signal);
  const retry2 = publisher.publish([rec('b')], new AbortController().signal);
  timedOut.abort();
  await assert.rejects(retry1, /withdrawn/);
  release();
  await first;
  await new Promise((r) => setImmediate(r));
  release();
  await retry2;
  assert.deepEqual(sent, [['a'], ['b']], 'one copy of b, not two');
});

test('a request already being sent is not withdrawn, and an aborted signal publishes nothing', async () => {
  const { producer, sent, release } = stalledProducer();
  const publisher = new CoalescingPublisher(producer, 'changes');
  const gone = new AbortController();
  const inFlight = publisher.publish([rec('a')], gone.signal);
  gone.abort();
  release();
  await inFlight;
  await assert.rejects(publisher.publish([rec('c')], gone.signal), /withdrawn/);
  await publisher.flush();
  assert.deepEqual(sent, [['a']]);
});

test('records of several topics published together go out in one request; an empty group adds nothing', async () => {
  const requests: { topic: string; keys: string[] }[][] = [];
  const producer: BusProducer = {
    async send(topic, records) {
      requests.push([{ topic, keys: records.map((r) => String(r.key)) }]);
      return [];
    },
    async sendBatch(batches) {
      requests.push(batches.map((b) => ({ topic: b.topic, keys: b.records.map((r) => String(r.key)) })));
      return [];
    },
    async disconnect() {},
  };
  const outcomes = new CoalescingPublisher(producer, 'outcomes');
  await outcomes.publishGroups([{ topic: 'outcomes', records: [rec('o1')] }, { topic: 'backfill-done', records: [rec('d1')] }]);
  await outcomes.publishGroups([{ topic: 'outcomes', records: [] }, { topic: 'backfill-done', records: [rec('d2')] }]);
  await outcomes.flush();
  // Queued behind a request in flight, a plain publish and a group share the next request.
  const inFlight = outcomes.publish([rec('o2')]);
  const queued = [outcomes.publish([rec('o3')]), outcomes.publishGroups([{ topic: 'outcomes', records: [rec('o4')] }, { topic: 'backfill-done', records: [rec('d3')] }])];
  await Promise.all([inFlight, ...queued]);
  assert.deepEqual(requests, [
    [{ topic: 'outcomes', keys: ['o1'] }, { topic: 'backfill-done', keys: ['d1'] }],
    [{ topic: 'backfill-done', keys: ['d2'] }],
    [{ topic: 'outcomes', keys: ['o2'] }],
    [{ topic: 'outcomes', keys: ['o3', 'o4'] }, { topic: 'backfill-done', keys: ['d3'] }],
  ]);
});
