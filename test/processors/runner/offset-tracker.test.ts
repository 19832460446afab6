// The watermark is always the lowest unfinished offset, whatever order work completes in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetTracker } from '../../../processors/runner/offset-tracker.ts';
import { rng } from '../../helpers/random.ts';

test('watermark is undefined before anything starts', () => {
  assert.equal(new OffsetTracker().watermark(), undefined);
});

test('watermark is the lowest pending offset, then highest finished + 1', () => {
  const t = new OffsetTracker();
  for (const o of [10n, 11n, 12n]) t.start(o);
  assert.equal(t.watermark(), 10n);
  t.finish(11n);
  assert.equal(t.watermark(), 10n);
  t.finish(10n);
  assert.equal(t.watermark(), 12n);
  t.finish(12n);
  assert.equal(t.watermark(), 13n);
  assert.equal(t.pending, 0);
});

test('gaps between offsets (compaction, control records) do not hold the watermark back', () => {
  const t = new OffsetTracker();
  t.start(5n);
  t.start(9n);
  t.finish(5n);
  assert.equal(t.watermark(), 9n);
  t.finish(9n);
  t.advance(12n); // the fetch passed a transaction marker at 10-11
  assert.equal(t.watermark(), 12n);
});

test('advance never moves the watermark past pending work', () => {
  const t = new OffsetTracker();
  t.start(0n);
  t.advance(100n);
  assert.equal(t.watermark(), 0n);
  t.finish(0n);
  assert.equal(t.watermark(), 100n);
});

test('rejects offsets out of order and unknown finishes', () => {
  const t = new OffsetTracker();
  t.start(3n);
  assert.throws(() => t.start(3n), RangeError);
  assert.throws(() => t.start(2n), RangeError);
  assert.throws(() => t.finish(4n), RangeError);
  t.finish(3n);
  assert.throws(() => t.finish(3n), RangeError);
});

test('random completion orders: the watermark always equals a brute-force answer', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rand = rng(seed);
    const t = new OffsetTracker();
    const started: bigint[] = [];
    let next = BigInt(Math.floor(rand() * 1000));
    const total = 50 + Math.floor(rand() * 3000);
    const unfinished: bigint[] = [];
    while (started.length < total || unfinished.length > 0) {
      if (started.length < total && (unfinished.length === 0 || rand() < 0.55)) {
        next += 1n + (rand() < 0.1 ? BigInt(Math.floor(rand() * 5)) : 0n); // occasional gaps
        t.start(next);
        started.push(next);
        unfinished.push(next);
      } else {
        const i = Math.floor(rand() * unfinished.length);
        const o = unfinished[i]!;
        unfinished[i] = unfinished[unfinished.length - 1]!;
        unfinished.pop();
        t.finish(o);
      }
      const lowestUnfinished = unfinished.reduce<bigint | undefined>((m, o) => (m === undefined || o < m ? o : m), undefined);
      const expected = lowestUnfinished ?? started[started.length - 1]! + 1n;
      assert.equal(t.watermark(), expected, `seed ${seed} after ${started.length} starts`);
      assert.equal(t.pending, unfinished.length);
    }
  }
});

test('a long run keeps memory bounded by the pending window', () => {
  const t = new OffsetTracker();
  for (let i = 0n; i < 200_000n; i++) {
    t.start(i);
    if (i >= 10n) t.finish(i - 10n);
  }
  assert.equal(t.watermark(), 199_990n);
  assert.equal(t.pending, 10);
  // The internal array is compacted; read it through a cast only to check the bound.
  const internal = (t as unknown as { started: bigint[] }).started;
  assert.ok(internal.length < 5000, `started array holds ${internal.length} entries`);
});
