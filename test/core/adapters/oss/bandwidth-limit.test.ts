// The token bucket under a destination's bandwidth limit, on a fake clock: a burst of one second's worth
// goes at once, then every taker waits out its share of the debt in the order it asked; unlimited only counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { bandwidthLimit, pacedBody, PACING_SLICE_BYTES } from '../../../../core/adapters/oss/bandwidth-limit.ts';

function fakeClock() {
  const c = { t: 0, slept: [] as number[] };
  return { c, now: () => c.t, sleep: async (ms: number) => { c.slept.push(ms); } };
}

test('a burst of one second goes at once; beyond it each taker waits for its bytes, debts adding up', () => {
  const { c, now, sleep } = fakeClock();
  let counted = 0;
  const limit = bandwidthLimit({ bytesPerSecond: 1000, now, sleep, onBytes: (n) => (counted += n) });
  assert.equal(limit.take(1000), undefined, 'the burst');
  void limit.take(500);
  void limit.take(500); // a second taker queued behind the first
  assert.deepEqual(c.slept, [500, 1000]);
  c.t = 5000; // idle: the bucket refills to its burst, no more
  assert.equal(limit.take(1000), undefined);
  void limit.take(1);
  assert.equal(c.slept.at(-1), 1);
  assert.equal(counted, 3001);
});

test('over a long run the bytes sent never exceed rate x time + burst', () => {
  const { c, now } = fakeClock();
  const rate = 2 * 1024 * 1024;
  let readyAt = 0;
  const limit = bandwidthLimit({ bytesPerSecond: rate, now, sleep: async (ms) => { readyAt = c.t + ms; } });
  let sent = 0;
  for (let i = 0; i < 320; i++) { // 20 MiB in 64 KiB slices, each sent when its wait ends
    readyAt = c.t;
    void limit.take(PACING_SLICE_BYTES);
    c.t = readyAt;
    sent += PACING_SLICE_BYTES;
    assert.ok(sent <= rate * (c.t / 1000) + rate, `${sent} B by ${c.t} ms`);
  }
  assert.ok(c.t >= 9000, `20 MiB at 2 MiB/s with a 2 MiB burst take at least 9 s (took ${c.t} ms)`);
});

test('unlimited: bytes are counted, nothing waits; a paced body keeps every byte in order', async () => {
  let counted = 0;
  const unlimited = bandwidthLimit({ onBytes: (n) => (counted += n) });
  assert.equal(unlimited.take(10_000_000), undefined);
  const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
  const out: Buffer[] = [];
  const limited = bandwidthLimit({ bytesPerSecond: 100 * 1024 * 1024, onBytes: (n) => (counted += n) });
  for (const limit of [unlimited, limited]) {
    out.length = 0;
    await pipeline(Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]), pacedBody(limit),
      new Writable({ write: (chunk, _e, done) => { out.push(chunk); done(); } }));
    assert.ok(Buffer.concat(out).equals(body));
  }
  assert.ok(out.every((chunk) => chunk.length <= PACING_SLICE_BYTES), 'a limited body goes in slices');
  assert.equal(counted, 10_000_000 + 2 * body.length);
});
