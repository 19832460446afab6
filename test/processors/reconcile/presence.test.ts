// The create-only shortcut turns on only after a run of new keys, survives the odd existing key, and turns
// off when existing keys become common (where it would cost more than it saves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DestinationPresence } from '../../../processors/reconcile/presence.ts';

test('off at start; on after a run of absent keys; off again when most keys exist', () => {
  const p = new DestinationPresence();
  assert.equal(p.expectAbsent(), false, 'nothing optimistic before anything was seen');
  let n = 0;
  while (!p.expectAbsent()) {
    p.record(false);
    n++;
    assert.ok(n < 100, 'turns on within 100 absent keys');
  }
  assert.ok(n >= 20, `needs a run of absent keys, not a few (${n})`);
  for (let i = 0; i < 3; i++) p.record(true);
  assert.equal(p.expectAbsent(), true, 'an odd existing key does not turn it off');
  let m = 0;
  while (p.expectAbsent()) {
    p.record(true);
    m++;
    assert.ok(m < 50, 'turns off when keys keep existing');
  }
  assert.ok(p.rate < 0.7);
});

test('a mix of 1 existing key in 2 never turns it on', () => {
  const p = new DestinationPresence();
  for (let i = 0; i < 1000; i++) {
    p.record(i % 2 === 0);
    assert.equal(p.expectAbsent(), false);
  }
});
