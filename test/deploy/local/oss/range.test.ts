import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from '../../../../deploy/local/oss/handlers/object-read.ts';

test('ranges: explicit, open, suffix, clamped and invalid', () => {
  assert.deepEqual(parseRange(undefined, 10), { kind: 'full' });
  assert.deepEqual(parseRange('bytes=0-0', 10), { kind: 'partial', start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=3-', 10), { kind: 'partial', start: 3, end: 9 });
  assert.deepEqual(parseRange('bytes=-4', 10), { kind: 'partial', start: 6, end: 9 });
  assert.deepEqual(parseRange('bytes=-40', 10), { kind: 'partial', start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=8-100', 10), { kind: 'partial', start: 8, end: 9 });
  for (const bad of ['bytes=10-', 'bytes=5-2', 'bytes=-0', 'bytes=-', 'bytes=1-2,4-5', 'items=1-2']) assert.deepEqual(parseRange(bad, 10), { kind: 'invalid' }, bad);
  assert.deepEqual(parseRange('bytes=0-1', 0), { kind: 'invalid' });
});
