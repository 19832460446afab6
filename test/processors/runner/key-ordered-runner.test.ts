// The runner on an in-memory fake of the consumer port: the group events the broker only produces by
// chance (a rebalance mid-batch, a revoke while work runs, a commit fenced by a rebalance) on demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CrrError } from '../../../core/errors.ts';
import type { InboundMessage } from '../../../core/ports/bus.ts';
import { startRunner, type Runner, type RunnerOptions } from '../../../processors/runner/key-ordered-runner.ts';
import { FakeConsumer, message, messages } from './fake-consumer.ts';
import { decodeProgress } from '../../../processors/progress-metadata.ts';

const T = 'changes';

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

interface Started {
  msg: InboundMessage;
  signal: AbortSignal;
  finish(): void;
  fail(err: unknown): void;
  settled: boolean;
}

/** A handler the test finishes by hand; with `honourSignal` it rejects with the abort reason, as a reconcile does. */
function controlled(honourSignal = true) {
  const starts: Started[] = [];
  const handle = (msg: InboundMessage, { signal }: { signal: AbortSignal }) => new Promise<void>((resolve, reject) => {
    const s: Started = {
      msg, signal, settled: false,
      finish: () => { s.settled = true; resolve(); },
      fail: (err) => { s.settled = true; reject(err); },
    };
    if (honourSignal) signal.addEventListener('abort', () => s.fail(signal.reason), { once: true });
    starts.push(s);
  });
  const at = (partition: number, offset: number): Started[] => starts.filter((s) => s.msg.partition === partition && s.msg.offset === String(offset));
  const latest = (partition: number, offset: number): Started => {
    const s = at(partition, offset).at(-1);
    if (!s) throw new Error(`${partition}@${offset} never started`);
    return s;
  };
  const running = () => starts.filter((s) => !s.settled);
  return { starts, handle, at, latest, running };
}

async function start(consumer: FakeConsumer, o: Partial<RunnerOptions> & Pick<RunnerOptions, 'handle'>): Promise<Runner> {
  return startRunner({ consumer, topics: [T], fromBeginning: true, concurrency: 8, commitIntervalMs: 5, ...o });
}

test('commits the low watermark: never past unfinished work, whatever order work finishes in', async () => {
  const consumer = new FakeConsumer();
  const h = controlled();
  const runner = await start(consumer, { handle: h.handle });
  consumer.assign({ [T]: [0] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 6, (o) => `k${o}`));
  await until('six keys running', () => h.running().length === 6);

  for (const o of [1, 2, 4]) h.latest(0, o).finish();
  await sleep(40); // several commit ticks
  assert.ok(consumer.acceptedFor(T, 0).every((o) => o === '0'), `committed past unfinished 0: ${consumer.acceptedFor(T, 0)}`);

  h.latest(0, 0).finish();
  await until('commit of 3', () => consumer.committed.get(`${T}/0`) === '3');
  h.latest(0, 3).finish();
  await until('commit of 5', () => consumer.committed.get(`${T}/0`) === '5');
  h.latest(0, 5).finish();
  await until('commit of 6', () => consumer.committed.get(`${T}/0`) === '6');

  assert.deepEqual([...new Set(consumer.acceptedFor(T, 0))], ['0', '3', '5', '6']);
  assert.deepEqual(runner.stats().committed, { [`${T}/0`]: '6' });
  await runner.stop();
});

test('a rebalance mid-batch: the revoked partition\'s work is aborted and its queue dropped, the kept one carries on', async () => {
  const consumer = new FakeConsumer();
  const h = controlled();
  const stopped: [number, number][] = [];
  const runner = await start(consumer, { handle: h.handle, concurrency: 4,
    metrics: { onRevokeStopped: (_t, partition, aborted) => stopped.push([partition, aborted]) } });
  consumer.assign({ [T]: [0, 1] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 10, (o) => `a${o}`));
  await consumer.deliver(T, 1, messages(T, 1, 0, 3, (o) => `b${o}`));
  await until('four keys of partition 0 running', () => h.running().length === 4);
  assert.ok(h.running().every((s) => s.msg.partition === 0));
  h.latest(0, 0).finish(); // one done before the rebalance: committed as 1 by the next tick
  await until('commit of 1 on partition 0', () => consumer.committed.get(`${T}/0`) === '1');
  const inFlight0 = h.running();
  assert.equal(inFlight0.length, 4);

  const startedBefore = h.starts.filter((s) => s.msg.partition === 0).length; // 0..3, and 4 in the freed slot
  consumer.assign({ [T]: [1] }); // partition 0 moves to another member half-way through its batch
  const revokedAt = consumer.commits.length;
  for (const s of inFlight0) {
    assert.ok(s.signal.aborted, `${s.msg.offset} not aborted`);
    assert.ok(s.signal.reason instanceof CrrError && s.signal.reason.code === 'CRR_PARTITION_REVOKED');
  }
  await until('the runner knows the revoked work stopped', () => stopped.length === 1);
  assert.deepEqual(stopped, [[0, 4]]);
  assert.equal(runner.stats().aborting, 0);
  await until('partition 1 handled', () => h.at(1, 0).length + h.at(1, 1).length + h.at(1, 2).length === 3);
  for (const o of [0, 1, 2]) h.latest(1, o).finish();
  // A fetch already under way when the assignment changed still hands over a batch: ignored.
  await consumer.deliver(T, 0, messages(T, 0, 10, 12, (o) => `a${o}`));
  await until('commit of partition 1', () => consumer.committed.get(`${T}/1`) === '3');
  await sleep(20);

  const startedOn0 = h.starts.filter((s) => s.msg.partition === 0).map((s) => Number(s.msg.offset));
  assert.equal(startedBefore, 5);
  assert.deepEqual(startedOn0.sort((a, b) => a - b), [0, 1, 2, 3, 4], 'queued messages of the revoked partition must not start');
  const afterRevoke = consumer.commits.slice(revokedAt).flatMap((c) => c.offsets);
  assert.deepEqual(afterRevoke.filter((o) => o.partition === 0), [], 'committed a partition it no longer owns');
  assert.equal(consumer.committed.get(`${T}/0`), '1');
  assert.deepEqual(Object.keys(runner.stats().committed), [`${T}/1`]);
  await runner.stop();
  await runner.done; // aborted work is not a handler failure
});

test('a revoke with work in flight: a straggler that ignores the signal never overlaps its key and never counts', async () => {
  const consumer = new FakeConsumer();
  const h = controlled(false); // e.g. a PUT already on the wire
  const errors: unknown[] = [];
  let stoppedAfter: number | undefined;
  const runner = await start(consumer, { handle: h.handle, onError: (err) => errors.push(err),
    metrics: { onRevokeStopped: () => { stoppedAfter = h.starts.length; } } });
  consumer.assign({ [T]: [0] });
  await consumer.deliver(T, 0, [message(T, 0, 0, 'k'), message(T, 0, 1, 'other')]);
  await until('both running', () => h.running().length === 2);
  const straggler = h.latest(0, 0);
  h.latest(0, 1).finish();

  consumer.assign({ [T]: [] });
  assert.ok(straggler.signal.aborted);
  // The partition comes back (say the other member left) and is fetched again from the commit, 0.
  consumer.assign({ [T]: [0] });
  await consumer.deliver(T, 0, [message(T, 0, 0, 'k'), message(T, 0, 1, 'other')]);
  await until('the other key handled again', () => h.at(0, 1).length === 2);
  await sleep(20);
  assert.equal(h.at(0, 0).length, 1, 'key k started again while its straggler still ran');
  assert.equal(runner.stats().aborting, 1, 'the straggler is known to be still running');
  assert.equal(stoppedAfter, undefined);

  straggler.finish(); // the straggler's write landed after all: that counts for nothing any more
  await until('key k handled by the new epoch', () => h.at(0, 0).length === 2);
  assert.notEqual(stoppedAfter, undefined, 'the runner never learned that the straggler stopped');
  assert.equal(runner.stats().aborting, 0);
  h.latest(0, 1).finish();
  await sleep(20);
  assert.ok(consumer.acceptedFor(T, 0).every((o) => o === '0'), `the straggler's finish counted: ${consumer.acceptedFor(T, 0)}`);
  h.latest(0, 0).finish();
  await until('commit of 2', () => consumer.committed.get(`${T}/0`) === '2');
  assert.deepEqual(errors, []);
  await runner.stop();
  await runner.done;
});

test('a commit in flight when the generation moves is refused, and the next tick commits what is still owned', async () => {
  const consumer = new FakeConsumer();
  const h = controlled();
  const runner = await start(consumer, { handle: h.handle });
  consumer.assign({ [T]: [0, 1] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 2, (o) => `a${o}`));
  await consumer.deliver(T, 1, messages(T, 1, 0, 2, (o) => `b${o}`));
  await until('all running', () => h.running().length === 4);
  consumer.holdCommits = true;
  for (const s of h.running()) s.finish();
  const both = (c: { offsets: { partition: number; offset: string }[] }) => c.offsets.filter((o) => o.offset === '2').length === 2;
  await until('a commit of both partitions built', () => consumer.pending.some(both));
  consumer.assign({ [T]: [1] }); // the answer comes after the rebalance
  consumer.holdCommits = false;
  consumer.answerCommits();
  await until('partition 1 committed in generation 2', () => consumer.commits.some((c) => c.accepted && c.generation === 2));

  const refused = consumer.commits.filter((c) => !c.accepted);
  assert.ok(refused.some(both) && refused.every((c) => c.generation === 1), JSON.stringify(consumer.commits));
  const later = consumer.commits.filter((c) => c.generation === 2).flatMap((c) => c.offsets);
  assert.deepEqual(later.filter((o) => o.partition === 0), [], 'committed a partition it no longer owns');
  assert.equal(consumer.committed.get(`${T}/1`), '2');
  assert.notEqual(consumer.committed.get(`${T}/0`), '2');
  await runner.stop();
});

test('drain: stop() stops fetching, waits for in-flight work, commits it, and leaves', async () => {
  const consumer = new FakeConsumer();
  const h = controlled();
  const runner = await start(consumer, { handle: h.handle });
  consumer.assign({ [T]: [0] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 3, (o) => `k${o}`));
  await until('three running', () => h.running().length === 3);
  h.latest(0, 0).finish();
  h.latest(0, 1).finish();

  let stopped = false;
  const stopping = runner.stop().then(() => (stopped = true));
  await sleep(30);
  assert.equal(stopped, false, 'stop() returned with work in flight');
  assert.ok(consumer.paused.has(`${T}/0`), 'the partition was not paused while draining');
  assert.equal(await consumer.deliver(T, 0, [message(T, 0, 3, 'late')]), false);
  assert.equal(h.at(0, 3).length, 0);
  assert.equal(consumer.disconnected, false);

  h.latest(0, 2).finish();
  await stopping;
  assert.equal(consumer.committed.get(`${T}/0`), '3', 'the drained work was not committed');
  assert.equal(consumer.disconnected, true);
  await runner.done;
});

test('drain past its timeout: in-flight work is aborted as CRR_RUNNER_STOPPING and not committed', async () => {
  const consumer = new FakeConsumer();
  const h = controlled();
  const runner = await start(consumer, { handle: h.handle, drainTimeoutMs: 50 });
  consumer.assign({ [T]: [0] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 2, (o) => `k${o}`));
  await until('two running', () => h.running().length === 2);
  h.latest(0, 0).finish();
  await runner.stop();
  const stuck = h.latest(0, 1);
  assert.ok(stuck.signal.aborted && stuck.signal.reason instanceof CrrError && stuck.signal.reason.code === 'CRR_RUNNER_STOPPING');
  assert.equal(consumer.committed.get(`${T}/0`), '1');
  assert.equal(consumer.disconnected, true);
  await runner.done;
});

test('hand-over grace: a newly owned partition starts its work only when the grace ends; a revoke in the grace drops it', async () => {
  const consumer = new FakeConsumer();
  const h = controlled();
  const runner = await start(consumer, { handle: h.handle, handoverGraceMs: 150 });
  consumer.assign({ [T]: [0, 1] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 2, (o) => `a${o}`));
  await consumer.deliver(T, 1, messages(T, 1, 0, 2, (o) => `b${o}`));
  await sleep(50);
  assert.equal(h.starts.length, 0, 'work started inside the grace');
  consumer.assign({ [T]: [1] }); // partition 0 leaves before its grace ended
  await until('partition 1 released', () => h.starts.length === 2, 2000);
  await sleep(200);
  assert.deepEqual(h.starts.map((s) => `${s.msg.partition}@${s.msg.offset}`).sort(), ['1@0', '1@1']);
  for (const s of h.running()) s.finish();
  await runner.stop();
});

test('a rejecting handler stops the runner; a crash the client does not recover from does too', async () => {
  const consumer = new FakeConsumer();
  const boom = new Error('bug');
  const runner = await start(consumer, { handle: async (msg) => { if (msg.offset === '1') throw boom; } });
  consumer.assign({ [T]: [0] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 3, () => 'same'));
  await assert.rejects(runner.done, (err) => err === boom);
  assert.equal(consumer.committed.get(`${T}/0`), '1');
  assert.equal(consumer.disconnected, true);

  const other = new FakeConsumer();
  const crashed = await start(other, { handle: async () => {} });
  const fatal = new Error('group coordinator gone for good');
  other.crash(fatal, false);
  await assert.rejects(crashed.done, (err) => err === fatal);
  assert.equal(other.disconnected, true);
});

test('progress metadata: each commit says per rule the oldest unfinished capture time; a stalled rule\'s key does not hold the other rule', async () => {
  const consumer = new FakeConsumer();
  const h = controlled();
  // Offset o is for rule a when its key is `a…`, captured at 1000 + o.
  const progressOf = (m: InboundMessage) => ({ rules: new Set([m.key!.toString().startsWith('a') ? 'a' : 'b']), captureTime: 1000 + Number(m.offset) });
  const runner = await start(consumer, { handle: h.handle, progressOf });
  consumer.assign({ [T]: [0] });
  await consumer.deliver(T, 0, messages(T, 0, 0, 6, (o) => (o === 1 || o === 4 ? 'a-stuck' : `b${o}`)));
  await until('all of b started and a\'s first', () => h.starts.length === 5);
  for (const s of h.running()) if (s.msg.key!.toString() !== 'a-stuck') s.finish();
  const lastMetadata = () => decodeProgress(consumer.commits.filter((c) => c.accepted).at(-1)?.offsets[0]?.metadata);
  await until('a commit of offset 1 saying rule a waits since 1001', () => consumer.committed.get(`${T}/0`) === '1' && lastMetadata()?.oldestPending.a === 1001);
  assert.deepEqual(lastMetadata(), { takenUpTo: '6', oldestPending: { a: 1001 } }, 'rule b has nothing unfinished: only the log past offset 6 can hold it');
  // More of rule b arrives and finishes: the offset stays, the metadata alone moves, and is committed.
  await consumer.deliver(T, 0, messages(T, 0, 6, 8, (o) => `b${o}`));
  await until('b 6 and 7 started', () => h.starts.length === 7);
  for (const s of h.running()) if (s.msg.key!.toString() !== 'a-stuck') s.finish();
  await until('the metadata says taken up to 8', () => lastMetadata()?.takenUpTo === '8');
  assert.equal(consumer.committed.get(`${T}/0`), '1');
  h.latest(0, 1).finish();
  await until('a\'s second message started', () => h.at(0, 4).length === 1);
  h.latest(0, 4).finish();
  await until('committed to the end with nothing pending', () => consumer.committed.get(`${T}/0`) === '8' && Object.keys(lastMetadata()?.oldestPending ?? { x: 1 }).length === 0);
  await runner.stop();
});
