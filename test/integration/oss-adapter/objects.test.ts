// Every single-object operation of the adapter round-trips the exact attributes reconcile compares, on an
// unversioned and a versioned bucket of the local OSS server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc64 } from '../../../core/crc64.ts';
import { CrrError } from '../../../core/errors.ts';
import { taggingHeader } from '../../../core/ports/object-store.ts';
import { bytes, chunked, readAll, startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

const fullHeaders = {
  'Content-Type': 'text/plain; charset=utf-8',
  'Content-Encoding': 'identity',
  'Content-Disposition': 'attachment; filename="报告 ü.txt"',
  'Cache-Control': 'max-age=60',
  Expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
  'Content-Language': 'de-CH',
  'x-oss-meta-owner': 'team a',
  'x-oss-meta-unicode': 'ünïcødé 文字',
  'x-oss-tagging': taggingHeader({ team: 'a b', 'cost+center': '1=2', empty: '' }),
  'x-oss-object-acl': 'public-read',
  'x-oss-server-side-encryption': 'KMS',
  'x-oss-server-side-encryption-key-id': 'kms-key-1',
  'x-oss-storage-class': 'IA',
};

const expectedAttributes = {
  headers: {
    contentType: 'text/plain; charset=utf-8', contentEncoding: 'identity', contentDisposition: 'attachment; filename="报告 ü.txt"',
    cacheControl: 'max-age=60', expires: 'Wed, 21 Oct 2037 07:28:00 GMT', contentLanguage: 'de-CH',
  },
  userMeta: { owner: 'team a', unicode: 'ünïcødé 文字' },
  tags: { team: 'a b', 'cost+center': '1=2', empty: '' },
  acl: 'public-read',
  encryption: { algorithm: 'KMS', keyId: 'kms-key-1' },
  storageClass: 'IA',
};

function assertCode(code: string, retriable?: boolean) {
  return (err: unknown) => {
    assert.ok(err instanceof CrrError, `expected a CrrError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (retriable !== undefined) assert.equal(err.retriable, retriable);
    return true;
  };
}

for (const versioned of [false, true]) {
  describe(versioned ? 'versioned bucket' : 'unversioned bucket', () => {
    let bucket: string;
    before(async () => { bucket = await f.bucket({ versioned }); });

    test('putObject from a Buffer: every attribute comes back from headObject, bytes and crc64 from the server', async () => {
      const body = bytes(10_000, 1);
      const w = await f.store.putObject(bucket, 'full/a.txt', body, { headers: fullHeaders, contentLength: body.length });
      assert.equal(w.crc64, crc64(body));
      assert.equal(w.versionId !== null && w.versionId !== undefined, versioned);
      const head = await f.store.headObject(bucket, 'full/a.txt');
      assert.ok(head);
      assert.deepEqual({ headers: head.headers, userMeta: head.userMeta, tags: head.tags, acl: head.acl, encryption: head.encryption, storageClass: head.storageClass },
        expectedAttributes);
      assert.equal(head.etag, w.etag);
      assert.equal(head.crc64, w.crc64);
      assert.equal(head.size, body.length);
      assert.equal(head.versionId ?? null, w.versionId ?? null);
      assert.equal(head.objectType, 'Normal');
      const got = await f.store.getObject(bucket, 'full/a.txt');
      assert.equal(got.size, body.length);
      assert.equal(got.etag, w.etag);
      assert.deepEqual(await readAll(got.stream), body);
    });

    test('putObject from a stream (3 MiB in 64 KiB chunks) and an empty stream', async () => {
      const body = bytes(3 * 1024 * 1024, 2);
      const w = await f.store.putObject(bucket, 'stream/big.bin', chunked(body), {
        headers: { 'Content-Type': 'application/x-test', 'x-oss-server-side-encryption': 'AES256', 'x-oss-meta-n': '1' }, contentLength: body.length,
      });
      assert.equal(w.crc64, crc64(body));
      const head = await f.store.headObject(bucket, 'stream/big.bin');
      assert.deepEqual(head?.encryption, { algorithm: 'AES256' });
      assert.equal(head?.headers.contentType, 'application/x-test');
      assert.equal(head?.tags && Object.keys(head.tags).length, 0);
      assert.equal(head?.acl, 'default');
      assert.deepEqual(await readAll((await f.store.getObject(bucket, 'stream/big.bin')).stream), body);

      const empty = await f.store.putObject(bucket, 'stream/empty', chunked(Buffer.alloc(0)), { headers: { 'Content-Type': 'text/plain' }, contentLength: 0 });
      assert.equal(empty.crc64, '0');
      assert.equal((await f.store.headObject(bucket, 'stream/empty'))?.size, 0);
    });

    test('getObject: a range, a matching If-Match, a stale If-Match (SOURCE_CHANGED) and a missing key (NOT_FOUND)', async () => {
      const body = bytes(1000, 3);
      const w = await f.store.putObject(bucket, 'get/k', body, { headers: {}, contentLength: body.length });
      const part = await f.store.getObject(bucket, 'get/k', { range: { start: 100, end: 199 }, ifMatch: w.etag });
      assert.equal(part.size, 100);
      assert.deepEqual(await readAll(part.stream), body.subarray(100, 200));
      await f.store.putObject(bucket, 'get/k', Buffer.from('changed'), { headers: {}, contentLength: 7 });
      await assert.rejects(f.store.getObject(bucket, 'get/k', { ifMatch: w.etag }), assertCode('SOURCE_CHANGED', true));
      await assert.rejects(f.store.getObject(bucket, 'get/missing'), assertCode('NOT_FOUND', false));
      assert.equal(await f.store.headObject(bucket, 'get/missing'), null);
    });

    test('replaceMetadata replaces headers and user metadata in place, keeping the body', async () => {
      const body = bytes(2000, 4);
      const w = await f.store.putObject(bucket, 'meta/k', body, { headers: { 'Content-Type': 'text/plain', 'x-oss-meta-old': '1', 'Cache-Control': 'no-cache' }, contentLength: body.length });
      const r = await f.store.replaceMetadata(bucket, 'meta/k', { 'Content-Type': 'application/json', 'Content-Language': 'fr', 'x-oss-meta-new': 'été' });
      assert.equal(r.etag, w.etag);
      if (versioned) assert.notEqual(r.versionId, w.versionId);
      const head = await f.store.headObject(bucket, 'meta/k');
      assert.deepEqual(head?.headers, { contentType: 'application/json', contentLanguage: 'fr' });
      assert.deepEqual(head?.userMeta, { new: 'été' });
      assert.equal(head?.crc64, crc64(body));
      assert.deepEqual(await readAll((await f.store.getObject(bucket, 'meta/k')).stream), body);
    });

    test('putAcl, putTags and deleteTags', async () => {
      await f.store.putObject(bucket, 'attrs/k', Buffer.from('x'), { headers: {}, contentLength: 1 });
      for (const acl of ['private', 'public-read-write', 'default'] as const) {
        await f.store.putAcl(bucket, 'attrs/k', acl);
        assert.equal((await f.store.headObject(bucket, 'attrs/k'))?.acl, acl);
      }
      const tags = { a: '1', 'b c': 'x y', 'k:/.': '+-=._:/', empty: '' };
      await f.store.putTags(bucket, 'attrs/k', tags);
      assert.deepEqual((await f.store.headObject(bucket, 'attrs/k'))?.tags, tags);
      await f.store.putTags(bucket, 'attrs/k', { only: 'one' });
      assert.deepEqual((await f.store.headObject(bucket, 'attrs/k'))?.tags, { only: 'one' });
      await f.store.deleteTags(bucket, 'attrs/k');
      assert.deepEqual((await f.store.headObject(bucket, 'attrs/k'))?.tags, {});
      await f.store.putTags(bucket, 'attrs/k', { back: '1' });
      await f.store.putTags(bucket, 'attrs/k', {});
      assert.deepEqual((await f.store.headObject(bucket, 'attrs/k'))?.tags, {});
    });

    test('deleteObject', async () => {
      await f.store.putObject(bucket, 'del/k', Buffer.from('x'), { headers: {}, contentLength: 1 });
      const d = await f.store.deleteObject(bucket, 'del/k');
      assert.equal(d.deleteMarker, versioned);
      assert.equal(d.versionId !== null && d.versionId !== undefined, versioned);
      assert.equal(await f.store.headObject(bucket, 'del/k'), null);
      await assert.rejects(f.store.getObject(bucket, 'del/k'), assertCode('NOT_FOUND'));
      // deleting what is not there succeeds, as OSS does
      await f.store.deleteObject(bucket, 'del/never');
    });

    test('isVersioned', async () => {
      assert.equal(await f.store.isVersioned(bucket), versioned);
    });
  });
}

test('a missing bucket is BUCKET_NOT_FOUND, never an absent key: not on a PUT, a streamed GET or a bodiless HEAD', async () => {
  const gone = 'no-such-bucket-x1';
  await assert.rejects(f.store.putObject(gone, 'k', Buffer.from('x'), { headers: {}, contentLength: 1 }), assertCode('BUCKET_NOT_FOUND', false));
  await assert.rejects(f.store.getObject(gone, 'k'), assertCode('BUCKET_NOT_FOUND', false));
  await assert.rejects(f.store.headObject(gone, 'k'), assertCode('BUCKET_NOT_FOUND', false));
  await assert.rejects(f.store.listKeyVersions(gone, 'k'), assertCode('BUCKET_NOT_FOUND', false));
});

test('openObject gives what HEAD gives, and the body, in one GET (plus ACL and tagging); null when absent', async () => {
  const bucket = await f.bucket();
  const body = bytes(70_000, 7);
  await f.store.putObject(bucket, 'open/a.txt', body, { headers: fullHeaders, contentLength: body.length });
  const head = await f.store.headObject(bucket, 'open/a.txt');
  const before = f.requests.length;
  const opened = await f.store.openObject(bucket, 'open/a.txt');
  assert.ok(opened);
  assert.deepEqual(opened.head, head);
  assert.deepEqual(await readAll(opened.stream), body);
  assert.deepEqual(f.requests.slice(before).map((r) => r.op).sort(), ['GetObject', 'GetObjectAcl', 'GetObjectTagging']);
  assert.equal(await f.store.openObject(bucket, 'open/missing'), null);
  // A dropped body frees its connection: the next request on the store still works.
  const again = await f.store.openObject(bucket, 'open/a.txt');
  again!.stream.destroy();
  assert.ok(await f.store.headObject(bucket, 'open/a.txt'));
});
