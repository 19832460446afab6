// Key-ordered scheduling: per-key order, one running message per key, the concurrency cap, duplicate
// suppression, and revokes that drop queued work without letting a regained key overlap a straggler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyScheduler, type Work } from '../../../processors/runner/key-scheduler.ts';

function drainReady<T>(s: KeyScheduler<T>): Work<T>[] {
  const out: Work<T>[] = [];
  for (let w = s.next(); w; w = s.next()) out.push(w);
  return out;
}

test('one running message per key, in offset order, other keys run alongside', () => {
  const s = new KeyScheduler<string>(10);
  s.assign('t/0');
  s.add('t/0', 0n, 'a', 'a0');
  s.add('t/0', 1n, 'b', 'b1');
  s.add('t/0', 2n, 'a', 'a2');
  s.add('t/0', 3n, 'c', 'c3');
  const first = drainReady(s);
  assert.deepEqual(first.map((w) => w.item), ['a0', 'b1', 'c3']);
  assert.equal(s.inFlight, 3);
  assert.equal(s.queued, 1);
  s.finish(first[1]!); // b1
  assert.deepEqual(drainReady(s), []);
  assert.equal(s.watermark('t/0'), 0n);
  s.finish(first[0]!); // a0 frees key a
  const second = drainReady(s);
  assert.deepEqual(second.map((w) => w.item), ['a2']);
  assert.equal(s.watermark('t/0'), 2n);
  s.finish(second[0]!);
  s.finish(first[2]!);
  assert.equal(s.watermark('t/0'), 4n);
  assert.equal(s.inFlight, 0);
  assert.equal(s.queued, 0);
});

test('the same key in two partitions is two keys', () => {
  const s = new KeyScheduler<string>(10);
  s.assign('t/0');
  s.assign('t/1');
  s.add('t/0', 0n, 'k', 'p0');
  s.add('t/1', 0n, 'k', 'p1');
  assert.equal(drainReady(s).length, 2);
});

test('never more than `concurrency` keys run at once', () => {
  const s = new KeyScheduler<number>(4);
  s.assign('t/0');
  for (let i = 0; i < 100; i++) s.add('t/0', BigInt(i), `k${i % 20}`, i);
  let running = drainReady(s);
  assert.equal(running.length, 4);
  let handled = 0;
  while (running.length > 0) {
    s.finish(running.shift()!);
    handled++;
    running.push(...drainReady(s));
    assert.ok(s.inFlight <= 4);
    assert.equal(s.inFlight, running.length);
  }
  assert.equal(handled, 100);
  assert.equal(s.watermark('t/0'), 100n);
  running = drainReady(s);
  assert.equal(running.length, 0);
});

test('random workloads: per-key order holds, the cap holds, every message runs exactly once', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let round = 0; round < 50; round++) {
    const cap = 1 + Math.floor(rand() * 8);
    const s = new KeyScheduler<{ key: string; offset: number }>(cap);
    const parts = ['a/0', 'a/1', 'b/0'];
    for (const p of parts) s.assign(p);
    const nextOffset = new Map(parts.map((p) => [p, 0]));
    const lastRun = new Map<string, number>();
    const runningKeys = new Set<string>();
    const seen = new Set<string>();
    const running: Work<{ key: string; offset: number }>[] = [];
    let added = 0;
    const startReady = () => {
      for (const w of drainReady(s)) {
        const id = `${w.partition}|${w.key}`;
        assert.ok(!runningKeys.has(id), 'a key ran twice at once');
        runningKeys.add(id);
        assert.ok((lastRun.get(id) ?? -1) < w.item.offset, 'per-key order broken');
        lastRun.set(id, w.item.offset);
        const uid = `${w.partition}@${w.item.offset}`;
        assert.ok(!seen.has(uid), 'ran twice');
        seen.add(uid);
        running.push(w);
      }
      assert.ok(s.inFlight <= cap);
      assert.equal(s.inFlight, running.length);
    };
    const finishAt = (i: number) => {
      const [w] = running.splice(i, 1);
      runningKeys.delete(`${w!.partition}|${w!.key}`);
      s.finish(w!);
    };
    for (let step = 0; step < 2000; step++) {
      if (rand() < 0.5) {
        const p = parts[Math.floor(rand() * parts.length)]!;
        const offset = nextOffset.get(p)!;
        nextOffset.set(p, offset + 1);
        const key = `k${Math.floor(rand() * 6)}`;
        assert.equal(s.add(p, BigInt(offset), key, { key, offset }), 'queued');
        added++;
      } else if (running.length > 0) {
        finishAt(Math.floor(rand() * running.length));
      }
      startReady();
    }
    while (running.length > 0) {
      finishAt(running.length - 1);
      startReady();
    }
    assert.equal(seen.size, added);
    for (const p of parts) assert.equal(s.watermark(p), nextOffset.get(p)! > 0 ? BigInt(nextOffset.get(p)!) : undefined);
  }
});

test('redeliveries are ignored whether queued, running or done', () => {
  const s = new KeyScheduler<string>(2);
  s.assign('t/0');
  s.add('t/0', 0n, 'a', 'a0');
  s.add('t/0', 1n, 'a', 'a1');
  s.add('t/0', 2n, 'b', 'b2');
  const [a0, b2] = drainReady(s);
  s.finish(a0!);
  // Redelivery from the committed offset after a rejoin: 0 is done, 1 queued or running, 2 running.
  for (const o of [0n, 1n, 2n]) assert.equal(s.add('t/0', o, o === 2n ? 'b' : 'a', 'again'), 'duplicate');
  assert.equal(s.add('t/0', 3n, 'a', 'a3'), 'queued');
  assert.equal(s.add('t/9', 0n, 'a', 'x'), 'not-owned');
  const items: string[] = [b2!.item];
  s.finish(b2!);
  const running = drainReady(s);
  while (running.length) {
    const w = running.shift()!;
    items.push(w.item);
    s.finish(w);
    running.push(...drainReady(s));
  }
  assert.deepEqual(items.sort(), ['a1', 'a3', 'b2']);
  assert.equal(s.watermark('t/0'), 4n);
});

test('revoke drops queued work; a regained partition starts fresh and waits for the straggler of its key', () => {
  const s = new KeyScheduler<string>(10);
  s.assign('t/0');
  s.add('t/0', 5n, 'a', 'a5');
  s.add('t/0', 6n, 'a', 'a6');
  s.add('t/0', 7n, 'b', 'b7');
  const running = drainReady(s); // a5, b7
  assert.equal(running.length, 2);
  assert.equal(s.revoke('t/0'), 1); // a6 dropped
  assert.equal(s.queued, 0);
  assert.equal(s.watermark('t/0'), undefined);
  s.assign('t/0');
  // The new owner generation redelivers from the committed offset 5.
  assert.equal(s.add('t/0', 5n, 'a', 'a5 again'), 'queued');
  assert.equal(s.add('t/0', 6n, 'a', 'a6 again'), 'queued');
  assert.deepEqual(drainReady(s), [], 'key a must wait for the old a5 still running');
  s.finish(running[0]!); // the straggler finishes: it does not count for the new epoch
  assert.equal(s.watermark('t/0'), 5n);
  const next = drainReady(s);
  assert.deepEqual(next.map((w) => w.item), ['a5 again']);
  s.abandon(running[1]!); // b7 aborted by the revoke
  s.finish(next[0]!);
  const last = drainReady(s);
  assert.deepEqual(last.map((w) => w.item), ['a6 again']);
  s.finish(last[0]!);
  assert.equal(s.watermark('t/0'), 7n);
});

test('a failed message blocks its key and the watermark', () => {
  const s = new KeyScheduler<string>(10);
  s.assign('t/0');
  s.add('t/0', 0n, 'a', 'a0');
  s.add('t/0', 1n, 'a', 'a1');
  s.add('t/0', 2n, 'b', 'b2');
  const [a0, b2] = drainReady(s);
  s.fail(a0!);
  s.finish(b2!);
  assert.deepEqual(drainReady(s), []);
  assert.equal(s.watermark('t/0'), 0n);
  assert.equal(s.inFlight, 0);
});

test('buffered counts queued and running messages of the partition', () => {
  const s = new KeyScheduler<string>(1);
  s.assign('t/0');
  for (let i = 0; i < 5; i++) s.add('t/0', BigInt(i), `k${i}`, 'x');
  assert.equal(s.buffered('t/0'), 5);
  const [w] = drainReady(s);
  assert.equal(s.buffered('t/0'), 5);
  s.finish(w!);
  assert.equal(s.buffered('t/0'), 4);
});

test('fair shares: a share at its cap waits while other shares use the rest of the budget, and resumes as its work ends', () => {
  const s = new KeyScheduler<string>(4, { of: (item) => item.split(':')[0]!, max: 2 });
  s.assign('t/0');
  // Rule a's keys come first and would fill the whole budget without shares.
  for (let i = 0; i < 6; i++) s.add('t/0', BigInt(i), `a${i}`, `a:${i}`);
  s.add('t/0', 6n, 'b0', 'b:0');
  s.add('t/0', 7n, 'b1', 'b:1');
  s.add('t/0', 8n, 'b2', 'b:2');
  const first = drainReady(s);
  assert.deepEqual(first.map((w) => w.item), ['a:0', 'a:1', 'b:0', 'b:1']);
  s.finish(first[2]!); // b:0 done: b's next key runs, a stays at its cap
  assert.deepEqual(drainReady(s).map((w) => w.item), ['b:2']);
  s.fail(first[0]!); // a failed piece frees a slot of a (its key stays blocked)
  assert.deepEqual(drainReady(s).map((w) => w.item), ['a:2']);
  assert.equal(s.inFlight, 4);
});
