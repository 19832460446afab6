import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrrError } from '../../core/errors.ts';
import { DLQ_HEADER, deadLetterRecord } from '../../processors/dead-letter.ts';

test('a dead letter keeps the original key, value and headers and adds where and why', () => {
  const msg = { topic: 'crr.changes', partition: 3, offset: '42', key: Buffer.from('src/a.txt'), value: Buffer.from([0xc3, 0x01, 9]),
    headers: { traceparent: Buffer.from('00-abc'), 'crr.error.code': Buffer.from('stale') }, timestamp: 1 };
  const err = new CrrError('AccessDenied on PutObject', { code: 'ACCESS_DENIED', stage: 'destination-write' });
  const rec = deadLetterRecord(msg, { stage: 'destination-write', error: err, ruleId: 'r1', attempts: 4, now: 99 });
  assert.deepEqual(rec.key, msg.key);
  assert.deepEqual(rec.value, msg.value);
  const h = rec.headers!;
  assert.deepEqual(h.traceparent, Buffer.from('00-abc'));
  assert.equal(h[DLQ_HEADER.topic], 'crr.changes');
  assert.equal(h[DLQ_HEADER.partition], '3');
  assert.equal(h[DLQ_HEADER.offset], '42');
  assert.equal(h[DLQ_HEADER.stage], 'destination-write');
  assert.equal(h[DLQ_HEADER.code], 'ACCESS_DENIED');
  assert.equal(h[DLQ_HEADER.className], 'CrrError');
  assert.equal(h[DLQ_HEADER.message], 'AccessDenied on PutObject');
  assert.equal(h[DLQ_HEADER.rule], 'r1');
  assert.equal(h[DLQ_HEADER.attempts], '4');
  assert.equal(h[DLQ_HEADER.code], 'ACCESS_DENIED', 'an earlier error header is replaced, not repeated');
});

test('anything thrown is described without throwing', () => {
  const msg = { topic: 't', partition: 0, offset: '0', key: null, value: null, headers: {}, timestamp: 1 };
  const rec = deadLetterRecord(msg, { stage: 'decode', error: 'plain string', attempts: 1, now: 1 });
  assert.equal(rec.headers![DLQ_HEADER.code], 'UNKNOWN');
  assert.equal(rec.headers![DLQ_HEADER.message], 'plain string');
  assert.deepEqual(rec.key, Buffer.alloc(0));
});
