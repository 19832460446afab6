import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMarker, markerOf } from '../../../processors/reconcile/marker.ts';
import { planUnversioned } from '../../../processors/reconcile/plan.ts';
import type { ObjectState, Plan, RuleView, Trigger } from '../../../processors/reconcile/types.ts';
import { applyPlan } from './bucket-model.ts';
import { copy, obj, rule } from './fixtures.ts';

const realtime: Trigger = { kind: 'REALTIME', operation: 'PutObject', eventTime: 5_000 };
const repair: Trigger = { kind: 'REPAIR' };
const marker = (b: string, t: number, e: string): string => formatMarker({ originBucket: b, originTime: t, originEtag: e });

/** Asserts the fields named in `expected` (deeply), ignoring the others. */
function like(actual: Plan, expected: Record<string, unknown>): void {
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]));
  assert.deepEqual(picked, expected);
}

interface Case { name: string; src: ObjectState | null; dst: ObjectState | null; rule?: Partial<RuleView>; trigger?: Trigger; expect: Record<string, unknown> }

function table(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => like(planUnversioned(c.src, c.dst, rule(c.rule), copy, c.trigger ?? realtime), c.expect));
  }
}

describe('planUnversioned: one-way', () => {
  table([
    { name: 'source present, destination absent: copy', src: obj(), dst: null, expect: { kind: 'copy', differences: ['content'] } },
    { name: 'content differs: copy', src: obj(), dst: obj({ crc64: '2', etag: 'E2' }), expect: { kind: 'copy', differences: ['content'] } },
    { name: 'content and attributes differ: one copy', src: obj({ tags: { a: '1' } }), dst: obj({ size: 3 }), expect: { kind: 'copy', differences: ['content', 'tags'] } },
    { name: 'in sync: skip', src: obj(), dst: obj({ lastModified: 9 }), expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'in sync but for the marker: skip', src: obj(), dst: obj({ userMeta: { 'crr-origin': marker('src', 1, 'E0') } }), expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'ACL only: put ACL', src: obj({ acl: 'public-read' }), dst: obj(), expect: { kind: 'update', acl: 'public-read', tags: undefined, replaceMeta: undefined, destinationEtag: 'E1', differences: ['acl'] } },
    { name: 'ACL back to default: put ACL default', src: obj(), dst: obj({ acl: 'private' }), expect: { kind: 'update', acl: 'default', tags: undefined, replaceMeta: undefined } },
    { name: 'tags only: put tagging', src: obj({ tags: { a: '1' } }), dst: obj(), expect: { kind: 'update', acl: undefined, tags: { a: '1' }, replaceMeta: undefined } },
    { name: 'tags removed: delete tagging', src: obj(), dst: obj({ tags: { a: '1' } }), expect: { kind: 'update', tags: null, replaceMeta: undefined } },
    { name: 'ACL and tags: both, no rewrite', src: obj({ acl: 'private', tags: { a: '1' } }), dst: obj(), expect: { kind: 'update', acl: 'private', tags: { a: '1' }, replaceMeta: undefined, differences: ['tags', 'acl'] } },
    { name: 'source absent, ALL: delete', src: null, dst: obj(), expect: { kind: 'delete' } },
    { name: 'source absent, ALL, destination is a user write: delete anyway (one-way)', src: null, dst: obj({ lastModified: 9e12 }), expect: { kind: 'delete' } },
    { name: 'both absent: skip', src: null, dst: null, expect: { kind: 'skip', reason: 'both-absent' } },
    { name: 'source absent, PUT: never delete', src: null, dst: obj(), rule: { action: 'PUT' }, expect: { kind: 'skip', reason: 'action-put' } },
    { name: 'both absent, PUT: both-absent', src: null, dst: null, rule: { action: 'PUT' }, expect: { kind: 'skip', reason: 'both-absent' } },
    { name: 'PUT still copies', src: obj(), dst: null, rule: { action: 'PUT' }, expect: { kind: 'copy' } },
    { name: 'one-way: a newer destination write is overwritten', src: obj({ lastModified: 1 }), dst: obj({ lastModified: 9e12, crc64: '7' }), expect: { kind: 'copy' } },
    // Storage class is part of "in sync" (issue 12): the replica's class is the rule's, else the source's.
    { name: 'source storage class changed (no rule class): rewrite in place with it', src: obj({ storageClass: 'IA' }), dst: obj({ storageClass: 'Standard' }),
      expect: { kind: 'update', differences: ['storage-class'] } },
    { name: 'storage class unreported is Standard', src: obj(), dst: obj({ storageClass: 'Standard' }), expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'the rule\'s storage class wins over the source\'s: in sync', rule: { storageClass: 'Archive' }, src: obj({ storageClass: 'IA' }),
      dst: obj({ storageClass: 'Archive' }), expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'a replica not in the rule\'s storage class: rewrite', rule: { storageClass: 'IA' }, src: obj(), dst: obj({ storageClass: 'Standard' }),
      expect: { kind: 'update', differences: ['storage-class'] } },
    { name: 'one-way: no echo suppression without twoWay', src: obj({ userMeta: { 'crr-origin': marker('dst', 1000, 'E1') } }), dst: obj({ crc64: '5' }), expect: { kind: 'copy' } },
  ]);

  it('copy carries the exact PUT headers', () => {
    const src = obj({
      key: 'dir/a b.bin', etag: '"abc"', size: 101, versionId: null, lastModified: 4_000, storageClass: 'IA', encryption: { algorithm: 'AES256' },
      headers: { contentType: 'image/png', contentEncoding: 'gzip', contentDisposition: 'attachment; filename="a.png"', cacheControl: 'max-age=60', expires: 'Wed, 21 Oct 2026 07:28:00 GMT', contentLanguage: 'de' },
      userMeta: { owner: 'alice', 'x-y': 'z' }, tags: { 'a b': 'x&y', k: 'v=1' }, acl: 'private',
    });
    const plan = planUnversioned(src, null, rule(), copy, realtime);
    assert.deepEqual(plan, {
      kind: 'copy',
      source: { key: 'dir/a b.bin', etag: 'ABC', versionId: null },
      size: 101,
      multipart: true,
      differences: ['content'],
      headers: {
        'Content-Type': 'image/png', 'Content-Encoding': 'gzip', 'Content-Disposition': 'attachment; filename="a.png"', 'Cache-Control': 'max-age=60',
        Expires: 'Wed, 21 Oct 2026 07:28:00 GMT', 'Content-Language': 'de',
        'x-oss-meta-owner': 'alice', 'x-oss-meta-x-y': 'z', 'x-oss-meta-crr-origin': 'b=src;t=4000;e=ABC',
        'x-oss-tagging': 'a%20b=x%26y&k=v%3D1', 'x-oss-object-acl': 'private', 'x-oss-server-side-encryption': 'AES256', 'x-oss-storage-class': 'IA',
      },
    });
  });

  const headerCases: { name: string; src?: Partial<ObjectState>; rule?: Partial<RuleView>; has: Record<string, string>; lacks: string[] }[] = [
    { name: 'default ACL and no tags: no ACL or tagging header', has: {}, lacks: ['x-oss-object-acl', 'x-oss-tagging'] },
    { name: 'rule AES256 overrides the source (SM4)', src: { encryption: { algorithm: 'SM4' } }, rule: { encryption: { algorithm: 'AES256' } }, has: { 'x-oss-server-side-encryption': 'AES256' }, lacks: ['x-oss-server-side-encryption-key-id'] },
    { name: 'rule SM4 encrypts an unencrypted source', rule: { encryption: { algorithm: 'SM4' } }, has: { 'x-oss-server-side-encryption': 'SM4' }, lacks: ['x-oss-server-side-encryption-key-id'] },
    { name: 'rule KMS with the replica key', rule: { encryption: { algorithm: 'KMS', keyId: 'replica-key' } }, has: { 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'replica-key' }, lacks: [] },
    { name: 'rule KMS without key: the default KMS key', rule: { encryption: { algorithm: 'KMS' } }, has: { 'x-oss-server-side-encryption': 'KMS' }, lacks: ['x-oss-server-side-encryption-key-id'] },
    { name: 'no rule encryption: the source\'s SSE-OSS AES256 is kept', src: { encryption: { algorithm: 'AES256' } }, has: { 'x-oss-server-side-encryption': 'AES256' }, lacks: [] },
    { name: 'no rule encryption: the source\'s SSE-OSS SM4 is kept', src: { encryption: { algorithm: 'SM4' } }, has: { 'x-oss-server-side-encryption': 'SM4' }, lacks: [] },
    { name: 'unencrypted source, no rule encryption: none stated (the destination bucket\'s default applies)', has: {}, lacks: ['x-oss-server-side-encryption'] },
    { name: 'SSE-KMS source under replicateSseKms: KMS with the replica key, not the source\'s', src: { encryption: { algorithm: 'KMS', keyId: 'src-key' } },
      rule: { replicaKmsKeyId: 'replica-key' }, has: { 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'replica-key' }, lacks: ['x-oss-server-side-data-encryption'] },
    { name: 'SSE-KMS with SM4 data encryption keeps SM4 under the replica key', src: { encryption: { algorithm: 'KMS', keyId: 'src-key', dataEncryption: 'SM4' } },
      rule: { replicaKmsKeyId: 'replica-key' }, has: { 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'replica-key', 'x-oss-server-side-data-encryption': 'SM4' }, lacks: [] },
    { name: 'the replica key wins over destination.encryption for SSE-KMS sources', src: { encryption: { algorithm: 'KMS', keyId: 'src-key' } },
      rule: { replicaKmsKeyId: 'replica-key', encryption: { algorithm: 'AES256' } }, has: { 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'replica-key' }, lacks: [] },
    { name: 'rule storage class wins', src: { storageClass: 'Standard' }, rule: { storageClass: 'Archive' }, has: { 'x-oss-storage-class': 'Archive' }, lacks: [] },
    { name: 'else the source storage class', src: { storageClass: 'IA' }, has: { 'x-oss-storage-class': 'IA' }, lacks: [] },
    { name: 'neither: Standard, stated (not the destination bucket\'s default class)', has: { 'x-oss-storage-class': 'Standard' }, lacks: [] },
    { name: 'the source marker is replaced, other meta kept', src: { lastModified: 77, etag: 'e5', userMeta: { 'crr-origin': 'garbage', keep: '1' } }, has: { 'x-oss-meta-keep': '1', 'x-oss-meta-crr-origin': 'b=src;t=77;e=E5' }, lacks: [] },
    { name: 'chained A→B→C: keeps the original origin', src: { userMeta: { 'crr-origin': 'b=a;t=12;e=EA;v=va' } }, has: { 'x-oss-meta-crr-origin': 'b=a;t=12;e=EA;v=va' }, lacks: [] },
    { name: 'empty content headers are not sent', src: { headers: { contentType: '', cacheControl: 'no-store' } }, has: { 'Cache-Control': 'no-store' }, lacks: ['Content-Type'] },
  ];
  for (const c of headerCases) {
    it(`copy headers: ${c.name}`, () => {
      const plan = planUnversioned(obj(c.src), null, rule(c.rule), copy, realtime);
      assert.equal(plan.kind, 'copy');
      if (plan.kind !== 'copy') return;
      for (const [k, v] of Object.entries(c.has)) assert.equal(plan.headers[k], v, k);
      for (const k of c.lacks) assert.ok(!(k in plan.headers), `${k} should be absent`);
    });
  }

  // Issue 12 item 5: SSE-KMS objects replicate only under a rule naming the replica key; encryption is part of "in sync".
  table([
    { name: 'SSE-KMS source without replicateSseKms: skipped, destination absent', src: obj({ encryption: { algorithm: 'KMS', keyId: 'k' } }), dst: null,
      expect: { kind: 'skip', reason: 'sse-kms' } },
    { name: 'SSE-KMS source without replicateSseKms: skipped, never rewritten, even with destination.encryption', src: obj({ encryption: { algorithm: 'KMS' }, crc64: '7' }),
      dst: obj(), rule: { encryption: { algorithm: 'AES256' } }, expect: { kind: 'skip', reason: 'sse-kms' } },
    { name: 'SSE-KMS source, replica under the replica key: in sync', src: obj({ encryption: { algorithm: 'KMS', keyId: 'k' } }),
      dst: obj({ encryption: { algorithm: 'KMS', keyId: 'rk' } }), rule: { replicaKmsKeyId: 'rk' }, expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'SSE-KMS replica under another key: rewritten in place', src: obj({ encryption: { algorithm: 'KMS', keyId: 'k' } }),
      dst: obj({ encryption: { algorithm: 'KMS', keyId: 'k' } }), rule: { replicaKmsKeyId: 'rk' }, expect: { kind: 'update', differences: ['encryption'] } },
    { name: 'source moved from AES256 to SM4: the replica follows (in place)', src: obj({ encryption: { algorithm: 'SM4' } }),
      dst: obj({ encryption: { algorithm: 'AES256' } }), expect: { kind: 'update', differences: ['encryption'] } },
    { name: 'source encrypted, replica plain: rewritten in place', src: obj({ encryption: { algorithm: 'AES256' } }), dst: obj(),
      expect: { kind: 'update', differences: ['encryption'] } },
    { name: 'unencrypted source, replica encrypted by the destination bucket\'s default: in sync', src: obj(), dst: obj({ encryption: { algorithm: 'KMS', keyId: 'bucket-default' } }),
      expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'destination.encryption override met: in sync whatever the SSE-OSS source uses', src: obj({ encryption: { algorithm: 'SM4' } }),
      dst: obj({ encryption: { algorithm: 'AES256' } }), rule: { encryption: { algorithm: 'AES256' } }, expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'destination.encryption KMS without a key id accepts any key', src: obj(), dst: obj({ encryption: { algorithm: 'KMS', keyId: 'managed' } }),
      rule: { encryption: { algorithm: 'KMS' } }, expect: { kind: 'skip', reason: 'in-sync' } },
  ]);

  it('an encryption change is one in-place CopyObject stating the new encryption', () => {
    const plan = planUnversioned(obj({ encryption: { algorithm: 'KMS', keyId: 'k' } }), obj({ encryption: { algorithm: 'AES256' } }), rule({ replicaKmsKeyId: 'rk' }), copy, realtime);
    assert.ok(plan.kind === 'update' && plan.replaceMeta, JSON.stringify(plan));
    assert.equal(plan.replaceMeta['x-oss-server-side-encryption'], 'KMS');
    assert.equal(plan.replaceMeta['x-oss-server-side-encryption-key-id'], 'rk');
    assert.equal(plan.replaceMeta['x-oss-metadata-directive'], 'REPLACE');
  });

  it('multipart only above the threshold', () => {
    const at = planUnversioned(obj({ size: 100 }), null, rule(), copy, realtime);
    const above = planUnversioned(obj({ size: 101 }), null, rule(), copy, realtime);
    assert.ok(at.kind === 'copy' && !at.multipart && at.size === 100);
    assert.ok(above.kind === 'copy' && above.multipart);
  });

  it('headers or meta differ: one in-place rewrite stating everything (ACL and tags included)', () => {
    const src = obj({ headers: { contentType: 'text/html' }, userMeta: { a: '1' }, tags: { t: 'x' }, acl: 'default', storageClass: 'IA' });
    const dst = obj({ etag: 'e1', storageClass: 'IA', encryption: { algorithm: 'KMS', keyId: 'old' }, userMeta: { 'crr-origin': marker('src', 1, 'E0') } });
    const plan = planUnversioned(src, dst, rule(), copy, realtime);
    assert.deepEqual(plan, {
      kind: 'update', destinationEtag: 'E1', differences: ['headers', 'meta', 'tags'],
      replaceMeta: {
        'Content-Type': 'text/html', 'x-oss-meta-a': '1', 'x-oss-meta-crr-origin': 'b=src;t=1000;e=E1',
        'x-oss-metadata-directive': 'REPLACE', 'x-oss-tagging-directive': 'Replace', 'x-oss-tagging': 't=x', 'x-oss-object-acl': 'default',
        'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'old', 'x-oss-storage-class': 'IA',
      },
    });
  });

  it('in-place rewrite uses the rule encryption and storage class when set', () => {
    const plan = planUnversioned(obj({ userMeta: { a: '2' } }), obj({ storageClass: 'IA' }), rule({ encryption: { algorithm: 'AES256' }, storageClass: 'Archive' }), copy, realtime);
    assert.ok(plan.kind === 'update' && plan.replaceMeta);
    assert.equal(plan.replaceMeta['x-oss-server-side-encryption'], 'AES256');
    assert.equal(plan.replaceMeta['x-oss-storage-class'], 'Archive');
    assert.ok(!('x-oss-tagging' in plan.replaceMeta));
  });
});

describe('planUnversioned: two-way (last writer wins, echo suppression)', () => {
  const two = { twoWay: true };
  // 'src' > 'dst' lexicographically, so 'src' wins time ties between the two.
  table([
    { name: 'echo: the source is a replica of the write the destination holds', rule: two,
      src: obj({ userMeta: { 'crr-origin': marker('dst', 1000, 'E1') } }), dst: obj({ tags: { changed: 'on dst' } }),
      expect: { kind: 'skip', reason: 'echo', differences: ['tags'] } },
    { name: 'echo that is in sync is just in sync', rule: two, src: obj({ userMeta: { 'crr-origin': marker('dst', 1000, 'E1') } }), dst: obj(),
      expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'replica of an older destination write: destination newer', rule: two,
      src: obj({ userMeta: { 'crr-origin': marker('dst', 1000, 'E1') } }), dst: obj({ lastModified: 1000, etag: 'E2', crc64: '2' }),
      expect: { kind: 'skip', reason: 'destination-newer', differences: ['content'] } },
    { name: 'same-second writes on the destination are ordered by its history, not the clock', rule: two,
      src: obj({ userMeta: { 'crr-origin': marker('dst', 1000, 'EZ') } }), dst: obj({ lastModified: 1000, etag: 'EA', crc64: '2' }),
      expect: { kind: 'skip', reason: 'destination-newer' } },
    { name: 'the source is the origin of both writes: source wins even with an older clock', rule: two,
      src: obj({ lastModified: 1000, etag: 'EA', crc64: '2' }), dst: obj({ userMeta: { 'crr-origin': marker('src', 1000, 'EZ') } }),
      expect: { kind: 'copy' } },
    { name: 'source-origin write vs the destination replica of it, attributes differ: update', rule: two,
      src: obj({ acl: 'private' }), dst: obj({ userMeta: { 'crr-origin': marker('src', 1000, 'E1') } }),
      expect: { kind: 'update', acl: 'private' } },
    { name: 'destination original newer: skip', rule: two, src: obj({ lastModified: 1000 }), dst: obj({ lastModified: 2000, crc64: '2' }),
      expect: { kind: 'skip', reason: 'destination-newer', differences: ['content'] } },
    { name: 'source original newer: copy', rule: two, src: obj({ lastModified: 3000 }), dst: obj({ lastModified: 2000, crc64: '2' }), expect: { kind: 'copy' } },
    { name: 'tie on time: greater origin bucket name wins (src > dst)', rule: two, src: obj(), dst: obj({ crc64: '2' }), expect: { kind: 'copy' } },
    { name: 'tie on time, the other direction: destination wins', rule: { twoWay: true, sourceBucket: 'dst', destinationBucket: 'src' },
      src: obj(), dst: obj({ crc64: '2' }), expect: { kind: 'skip', reason: 'destination-newer' } },
    { name: 'tie judged on origin, not on object times', rule: two,
      src: obj({ lastModified: 1, userMeta: { 'crr-origin': marker('a', 500, 'X') } }), dst: obj({ lastModified: 9, crc64: '2', userMeta: { 'crr-origin': marker('b', 500, 'Y') } }),
      expect: { kind: 'skip', reason: 'destination-newer' } },
    { name: 'third origin on both sides: newer time wins', rule: two,
      src: obj({ userMeta: { 'crr-origin': marker('c', 600, 'X') } }), dst: obj({ crc64: '2', userMeta: { 'crr-origin': marker('c', 500, 'Y') } }),
      expect: { kind: 'copy' } },
    { name: 'third origin on both sides, older: skip', rule: two,
      src: obj({ userMeta: { 'crr-origin': marker('c', 400, 'X') } }), dst: obj({ crc64: '2', userMeta: { 'crr-origin': marker('c', 500, 'Y') } }),
      expect: { kind: 'skip', reason: 'destination-newer' } },
    { name: 'third origin, same time: etag breaks the tie', rule: two,
      src: obj({ userMeta: { 'crr-origin': marker('c', 500, 'Z') } }), dst: obj({ crc64: '2', userMeta: { 'crr-origin': marker('c', 500, 'Y') } }),
      expect: { kind: 'copy' } },
    { name: 'in sync content written independently on both sides: in sync', rule: two, src: obj({ lastModified: 1 }), dst: obj({ lastModified: 2 }),
      expect: { kind: 'skip', reason: 'in-sync' } },
    { name: 'destination absent: copy', rule: two, src: obj(), dst: null, expect: { kind: 'copy' } },
    { name: 'destination absent, source is a replica of a destination write: the destination deleted it, skip', rule: two, trigger: repair,
      src: obj({ userMeta: { 'crr-origin': marker('dst', 1000, 'E1') } }), dst: null, expect: { kind: 'skip', reason: 'destination-newer', differences: ['content'] } },
    { name: 'destination absent, source is a replica of a third bucket: copy', rule: two,
      src: obj({ userMeta: { 'crr-origin': marker('c', 1000, 'E1') } }), dst: null, expect: { kind: 'copy' } },
    { name: 'delete: destination is a replica of this source', rule: two, trigger: repair,
      src: null, dst: obj({ lastModified: 9e12, userMeta: { 'crr-origin': marker('src', 9e12, 'E1') } }), expect: { kind: 'delete' } },
    { name: 'delete: destination write not newer than the delete event', rule: two, trigger: { kind: 'REALTIME', eventTime: 1000 },
      src: null, dst: obj({ lastModified: 1000 }), expect: { kind: 'delete' } },
    { name: 'delete: destination write newer than the delete event: keep', rule: two, trigger: { kind: 'REALTIME', eventTime: 999 },
      src: null, dst: obj({ lastModified: 1000 }), expect: { kind: 'skip', reason: 'destination-newer', differences: ['content'] } },
    { name: 'delete: no event time (repair) and a destination write: keep', rule: two, trigger: repair,
      src: null, dst: obj(), expect: { kind: 'skip', reason: 'destination-newer' } },
    // `crr verify --repair` stamps its triggers with the time it ran: that time is no source event and proves
    // nothing about a write on the destination that is not yet copied back (issue 12: it deleted it).
    { name: 'delete: a repair trigger stamped now and a destination write not yet copied back: keep', rule: two,
      trigger: { kind: 'REPAIR', eventTime: 9e12 }, src: null, dst: obj({ lastModified: 1000 }),
      expect: { kind: 'skip', reason: 'destination-newer', differences: ['content'] } },
    { name: 'delete: a backfill trigger with a time and a destination write: keep', rule: two,
      trigger: { kind: 'BACKFILL', eventTime: 9e12 }, src: null, dst: obj({ lastModified: 1000 }),
      expect: { kind: 'skip', reason: 'destination-newer', differences: ['content'] } },
    { name: 'delete: a replayed source event keeps its event time', rule: two, trigger: { kind: 'REPLAY', eventTime: 1000 },
      src: null, dst: obj({ lastModified: 1000 }), expect: { kind: 'delete' } },
    { name: 'delete: replica of a third bucket judged by its origin time', rule: two, trigger: { kind: 'REALTIME', eventTime: 600 },
      src: null, dst: obj({ lastModified: 9e12, userMeta: { 'crr-origin': marker('c', 500, 'X') } }), expect: { kind: 'delete' } },
    { name: 'delete under PUT: never', rule: { twoWay: true, action: 'PUT' }, src: null, dst: obj(), expect: { kind: 'skip', reason: 'action-put' } },
    { name: 'both absent', rule: two, src: null, dst: null, expect: { kind: 'skip', reason: 'both-absent' } },
  ]);
});

describe('planUnversioned: applied through the bucket model', () => {
  it('chained A→B→C: C is in sync with A and its marker names A', () => {
    const a = obj({ lastModified: 100, etag: 'AA', tags: { x: '1' }, acl: 'public-read', userMeta: { m: 'v' } });
    const ab = rule({ sourceBucket: 'a', destinationBucket: 'b' });
    const bc = rule({ sourceBucket: 'b', destinationBucket: 'c' });
    const b = applyPlan(planUnversioned(a, null, ab, copy, realtime), a, null, 200);
    const c = applyPlan(planUnversioned(b, null, bc, copy, realtime), b, null, 300);
    assert.ok(b && c);
    assert.deepEqual(markerOf(c), { originBucket: 'a', originTime: 100, originEtag: 'AA' });
    assert.deepEqual(planUnversioned(a, c, rule({ sourceBucket: 'a', destinationBucket: 'c' }), copy, repair), { kind: 'skip', reason: 'in-sync' });
    // an attribute change at A travels down the chain as updates, not copies
    const a2 = { ...a, userMeta: { m: 'w' } };
    const p1 = planUnversioned(a2, b, ab, copy, realtime);
    assert.equal(p1.kind, 'update');
    const b2 = applyPlan(p1, a2, b, 400);
    const p2 = planUnversioned(b2, c, bc, copy, realtime);
    assert.equal(p2.kind, 'update');
    const c2 = applyPlan(p2, b2, c, 500);
    assert.deepEqual(planUnversioned(a2, c2, rule({ sourceBucket: 'a', destinationBucket: 'c' }), copy, repair), { kind: 'skip', reason: 'in-sync' });
    assert.equal(markerOf(c2!)?.originBucket, 'a');
  });
});
