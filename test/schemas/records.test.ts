// The bus's records: keys are `bucket/key` of the right bucket, values decode to what was built, and
// each kind of trigger carries the capture source and rules the processors act on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { CrrError } from '../../core/errors.ts';
import { decode } from '../../schemas/codec.ts';
import { changeRecord, newChange, objectKey, oppositeChange, outcomeRecord, repairChange, replayChange } from '../../schemas/records.ts';
import { SAMPLES } from './samples.ts';

test('a change is keyed by its source bucket and key, an outcome by its destination bucket and key', () => {
  const change = { ...SAMPLES.ObjectChange, sourceBucket: 'src', key: 'a/b ü+%.bin' };
  const c = changeRecord(change);
  assert.equal(c.key, 'src/a/b ü+%.bin');
  assert.deepEqual(decode('ObjectChange', c.value), change);
  const outcome = { ...SAMPLES.ReplicationOutcome, sourceBucket: 'src', destinationBucket: 'dst', key: 'k' };
  const o = outcomeRecord(outcome);
  assert.equal(o.key, 'dst/k');
  assert.deepEqual(decode('ReplicationOutcome', o.value), outcome);
});

test('newChange leaves what the capture source does not know null', () => {
  const c = newChange({ eventId: 'e', ruleIds: ['r'], sourceBucket: 'src', region: 'oss-cn-hangzhou', key: 'k', operation: 'DELETE',
    eventTime: 1, captureTime: 2, captureSource: 'LISTING', eventName: 'Listing:DELETE', etag: 'E' });
  assert.deepEqual([c.versionId, c.etag, c.size, c.requester, c.origin, c.sequence], [null, 'E', null, null, null, null]);
});

test('repair, replay and opposite-direction triggers', () => {
  const repair = repairChange({ id: 'r1', sourceBucket: 'src', region: 'oss-cn-hangzhou' }, 'k', 5);
  assert.match(repair.eventId, /^repair:/);
  assert.notEqual(repairChange({ id: 'r1', sourceBucket: 'src', region: 'oss-cn-hangzhou' }, 'k', 5).eventId, repair.eventId);
  assert.deepEqual({ ...repair, eventId: '' }, { eventId: '', ruleIds: ['r1'], sourceBucket: 'src', region: 'oss-cn-hangzhou', key: 'k',
    operation: 'UNKNOWN', versionId: null, etag: null, size: null, eventTime: 5, captureTime: 5, requester: null, origin: null,
    captureSource: 'REPAIR', eventName: 'Repair', sequence: null });
  decode('ObjectChange', changeRecord(repair).value);

  const original = { ...SAMPLES.ObjectChange, ruleIds: ['a', 'b'], captureTime: 1 };
  assert.deepEqual(replayChange(original, 'b', 9), { ...original, ruleIds: ['b'], captureSource: 'REPLAY', captureTime: 9 });
  assert.deepEqual(replayChange(original, undefined, 9).ruleIds, ['a', 'b']);
  assert.deepEqual(oppositeChange(original, { id: 'back', sourceBucket: 'dst' }),
    { ...original, ruleIds: ['back'], sourceBucket: 'dst', captureSource: 'REPAIR' });
});

test('a key with a lone UTF-16 surrogate is refused, not sent as one U+FFFD in the Kafka key and three in the value', () => {
  assert.throws(() => objectKey('src', 'a\ud800b'), (err: unknown) => err instanceof CrrError && err.code === 'INVALID_RECORD');
  assert.throws(() => changeRecord({ ...SAMPLES.ObjectChange, key: '\udfffx' }), /lone UTF-16 surrogate/);
  assert.equal(objectKey('src', 'pair-😀'), 'src/pair-😀');
});

test('ReplicationOutcome v2: SKIPPED_KMS round-trips, and a reader of v1 reads it as FAILED (the enum default)', () => {
  const outcome = { ...SAMPLES.ReplicationOutcome, action: 'NONE' as const, result: 'SKIPPED_KMS' as const, errorCode: 'SSE_KMS_NOT_REPLICATED' };
  const record = outcomeRecord(outcome);
  assert.equal(decode('ReplicationOutcome', record.value!).result, 'SKIPPED_KMS');
  const schema = (v: number) => avro.Type.forSchema(JSON.parse(readFileSync(new URL(`../../schemas/ReplicationOutcome/v${v}.avsc`, import.meta.url), 'utf8')));
  const [v1, v2] = [schema(1), schema(2)];
  const body = v2.toBuffer(outcome);
  const old = v1.fromBuffer(body, v1.createResolver(v2)) as { result: string; errorCode: string };
  assert.deepEqual([old.result, old.errorCode], ['FAILED', 'SSE_KMS_NOT_REPLICATED']);
});
