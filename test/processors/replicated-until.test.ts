import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicatedUntil } from '../../processors/replicated-until.ts';

test('the watermark is just before the oldest pending change, and "now" once caught up', () => {
  const w = new ReplicatedUntil();
  assert.equal(w.value('r', 1000, false), undefined, 'nothing known yet');
  w.started('r', 'a', 100);
  w.started('r', 'b', 200);
  w.started('other', 'c', 50);
  assert.equal(w.value('r', 1000, true), 99);
  w.finished('r', 'a');
  assert.equal(w.value('r', 1000, true), 199);
  w.finished('r', 'b');
  assert.equal(w.value('r', 1000, false), 199, 'not caught up: unread changes may be older than now');
  assert.equal(w.value('r', 1000, true), 1000);
  assert.equal(w.value('other', 1000, true), 49, 'rules are independent');
});

test('the watermark never moves back', () => {
  const w = new ReplicatedUntil();
  assert.equal(w.value('r', 5000, true), 5000);
  w.started('r', 'late', 3000);
  assert.equal(w.value('r', 6000, true), 5000);
  w.finished('r', 'late');
  assert.equal(w.value('r', 7000, true), 7000);
});
