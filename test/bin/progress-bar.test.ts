// The progress display: redrawn in place (carriage return, erase to line end) on a terminal at most every
// redrawMs; plain lines at most every lineEveryMs when piped; the last state always drawn on finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar, renderBar } from '../../bin/progress-bar.ts';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => writes.push(t) };
}

test('renderBar fills its cells in proportion and clamps', () => {
  assert.equal(renderBar(0, 10, 10), '[----------]   0%');
  assert.equal(renderBar(5, 10, 10), '[#####-----]  50%');
  assert.equal(renderBar(15, 10, 10), '[##########] 100%');
  assert.equal(renderBar(3, 0, 4), '[----]   0%');
});

test('on a terminal: a bar redrawn in place, throttled, ended by a newline', () => {
  let clock = 0;
  const stream = fakeStream(true);
  const bar = progressBar({ label: 'backfill r1', unit: 'objects', total: 200, stream, redrawMs: 100, now: () => clock });
  bar.update(10);
  clock = 50;
  bar.update(20); // within 100 ms of the last draw: not drawn
  clock = 1000;
  bar.update(100, '2 failed');
  bar.finish();
  assert.equal(stream.writes.length, 4);
  const ERASE = '\x1b[K';
  assert.ok(stream.writes.slice(0, 3).every((w) => w.startsWith('\r') && w.endsWith(ERASE)), JSON.stringify(stream.writes));
  assert.match(stream.writes[0], /^\rbackfill r1 \[#-+\] {3}5% 10\/200 objects /);
  assert.equal(stream.writes[1], `\rbackfill r1 [${'#'.repeat(12)}${'-'.repeat(12)}]  50% 100/200 objects 100/s 1.0 s | 2 failed${ERASE}`);
  assert.equal(stream.writes[3], '\n');
});

test('piped: plain lines with the percentage, at most one per lineEveryMs, and the final state', () => {
  let clock = 0;
  const stream = fakeStream(false);
  const bar = progressBar({ label: 'verify r1', unit: 'keys', stream, lineEveryMs: 5000, now: () => clock });
  for (let i = 1; i <= 100; i++) {
    clock = i * 100;
    bar.update(i);
  }
  bar.setTotal(100);
  bar.finish('0 differences');
  bar.update(101); // after finish: ignored
  assert.ok(stream.writes.every((w) => w.endsWith('\n') && !w.includes('\r')), JSON.stringify(stream.writes));
  assert.deepEqual(stream.writes.map((w) => w.split(' ').slice(0, 4).join(' ')), ['verify r1 1 keys', 'verify r1 51 keys', 'verify r1 100% 100/100']);
  assert.match(stream.writes.at(-1)!, /^verify r1 100% 100\/100 keys 10\.0\/s 10\.0 s \| 0 differences\n$/);
});
