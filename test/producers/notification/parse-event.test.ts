import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrrError } from '../../../core/errors.ts';
import { MAX_SIZE, operationOf, parseEvent, parseEventBody } from '../../../producers/notification/parse-event.ts';
import { decode } from '../../../schemas/codec.ts';
import { changeRecord } from '../../../schemas/records.ts';
import { buildChanges } from '../../../producers/change-builder.ts';
import { RuleIndex } from '../../../core/rule-index.ts';

export function ossEvent(over: { type?: string; bucket?: string; key?: string; versionId?: string; principal?: string; time?: string; size?: number } = {}) {
  const type = over.type ?? 'oss:ObjectCreated:PutObject';
  return {
    id: 'e-1', source: 'acs.oss', specversion: '1.0', type, time: '2026-11-25T10:00:00Z',
    data: {
      region: 'cn-hangzhou', eventName: type.slice(4), eventTime: over.time ?? '2026-11-25T10:00:00.123Z',
      userIdentity: { principalId: over.principal ?? 'user-1' },
      oss: {
        bucket: { name: over.bucket ?? 'src' },
        object: { key: over.key ?? 'a/b c.txt', size: over.size ?? 12, eTag: '"ABC"', ...(over.versionId ? { versionId: over.versionId } : {}) },
      },
    },
  };
}

test('an EventBridge event becomes a captured change', () => {
  const e = parseEvent(ossEvent({ versionId: 'v1' }));
  assert.deepEqual(e, {
    eventId: 'e-1', eventName: 'ObjectCreated:PutObject', operation: 'PUT', bucket: 'src', region: 'cn-hangzhou', key: 'a/b c.txt',
    versionId: 'v1', etag: 'ABC', size: 12, eventTime: Date.parse('2026-11-25T10:00:00.123Z'), requester: 'user-1',
  });
});

test('event names map to operations', () => {
  assert.equal(operationOf('ObjectCreated:CopyObject'), 'COPY');
  assert.equal(operationOf('ObjectCreated:AppendObject'), 'APPEND');
  assert.equal(operationOf('ObjectCreated:CompleteMultipartUpload'), 'MULTIPART');
  assert.equal(operationOf('ObjectRemoved:DeleteObject'), 'DELETE');
  assert.equal(operationOf('ObjectRemoved:DeleteObjects'), 'DELETE');
  assert.equal(operationOf('ObjectRemoved:CreateDeleteMarker'), 'DELETE_MARKER');
  assert.equal(operationOf('ObjectModified:PutObjectAcl'), 'ACL');
  assert.equal(operationOf('ObjectModified:DeleteObjectTagging'), 'TAGGING');
  assert.equal(operationOf('ObjectCreated:SomethingNew'), 'PUT');
  assert.equal(operationOf('Whatever:Else'), 'UNKNOWN');
});

test('a batch parses whole or not at all, naming the bad event and field', () => {
  assert.equal(parseEventBody([ossEvent(), ossEvent({ key: 'x' })]).length, 2);
  const bad = ossEvent() as any;
  delete bad.data.oss.object.key;
  assert.throws(() => parseEventBody([ossEvent(), bad]), (err: unknown) =>
    err instanceof CrrError && err.code === 'MALFORMED_EVENT' && err.message.startsWith('events[1].data.oss.object.key'));
  assert.throws(() => parseEventBody([]), /empty array/);
  assert.throws(() => parseEventBody('text'), /not a JSON object/);
  assert.throws(() => parseEventBody({ ...ossEvent(), type: 'aws:s3' }), /not an OSS event type/);
  assert.throws(() => parseEventBody(ossEvent({ time: 'yesterday' })), /eventTime/);
  assert.throws(() => parseEventBody(ossEvent({ size: -1 })), /size/);
});

test('what parses encodes: sizes are whole bytes up to what an Avro long holds exactly, strings are well-formed Unicode', () => {
  for (const size of [1.5, 2 ** 53, MAX_SIZE + 1, Number.NaN, 1e300]) {
    assert.throws(() => parseEvent(ossEvent({ size })), /object\.size: .* is not a whole number of bytes/, String(size));
  }
  assert.equal(parseEvent(ossEvent({ size: MAX_SIZE })).size, MAX_SIZE);
  const rules = new RuleIndex([{ id: 'r', source: { bucket: 'src' }, prefixes: [] }]);
  const [change] = buildChanges([parseEvent(ossEvent({ size: MAX_SIZE }))], rules, { replicatorPrincipals: new Set(), captureSource: 'NOTIFICATION', now: 1 }).changes;
  assert.equal(decode('ObjectChange', changeRecord(change).value).size, MAX_SIZE);
  for (const key of ['a\ud800', '\udc00b', 'x\ud83d\ud83d']) assert.throws(() => parseEvent(ossEvent({ key })), /object\.key: holds a lone UTF-16 surrogate/);
  assert.equal(parseEvent(ossEvent({ key: 'ok-😀' })).key, 'ok-😀');
  assert.throws(() => parseEvent(ossEvent({ bucket: 'Upper_Case' })), /not an OSS bucket name/);
  assert.throws(() => parseEvent(ossEvent({ key: 'k'.repeat(1024) })), /1024 bytes is over/);
  assert.throws(() => parseEvent(ossEvent({ type: 'oss:Nonsense' })), /is not an OSS event name/);
  assert.equal(parseEvent(ossEvent({ type: 'oss:ObjectModified:SomethingNew' })).operation, 'UNKNOWN');
});
