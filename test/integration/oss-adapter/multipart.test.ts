// Multipart upload through the adapter: three streamed parts become one object with OSS's `-N` etag and all
// the headers given at initiation; an aborted upload leaves nothing behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc64 } from '../../../core/crc64.ts';
import { CrrError } from '../../../core/errors.ts';
import { taggingHeader } from '../../../core/ports/object-store.ts';
import { bytes, chunked, readAll, startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

const PART = 256 * 1024;

for (const versioned of [false, true]) {
  describe(versioned ? 'versioned bucket' : 'unversioned bucket', () => {
    test('3 streamed parts: listParts, listMultipartUploads, complete with a -3 etag, exact attributes and bytes', async () => {
      const bucket = await f.bucket({ versioned });
      const body = bytes(2 * PART + 12_345, 7);
      const key = 'big/数据 file.bin';
      const uploadId = await f.store.initiateMultipart(bucket, key, {
        'Content-Type': 'application/x-big', 'Content-Disposition': 'inline; filename="数据.bin"', 'x-oss-meta-origin': 'src-bucket',
        'x-oss-tagging': taggingHeader({ kind: 'big' }), 'x-oss-object-acl': 'private', 'x-oss-server-side-encryption': 'AES256',
        'x-oss-storage-class': 'IA',
      });
      assert.ok(uploadId);
      const slices = [body.subarray(0, PART), body.subarray(PART, 2 * PART), body.subarray(2 * PART)];
      // parts go up out of order and streamed, as a parallel copy sends them
      const etags: string[] = [];
      for (const i of [2, 0, 1]) etags[i] = await f.store.uploadPart(bucket, key, uploadId, i + 1, chunked(slices[i], 10_000), slices[i].length);
      assert.ok(etags.every((e) => /^[0-9A-F]{32}$/.test(e)), etags.join());

      const parts = await f.store.listParts(bucket, key, uploadId);
      assert.deepEqual(parts.map(({ lastModified: _at, ...p }) => p), slices.map((s, i) => ({ partNumber: i + 1, etag: etags[i], size: s.length })));
      // Each part's write time, whole seconds as OSS reports it: the upload's heartbeat (processors/upload-leases.ts).
      assert.ok(parts.every((p) => p.lastModified % 1000 === 0 && Math.abs(Date.now() - p.lastModified) < 60_000), parts.map((p) => p.lastModified).join());
      const uploads = await f.store.listMultipartUploads(bucket, 'big/');
      assert.deepEqual(uploads.map((u) => [u.key, u.uploadId]), [[key, uploadId]]);
      assert.ok(uploads[0].initiated > Date.now() - 60_000);

      const done = await f.store.completeMultipart(bucket, key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
      assert.match(done.etag, /^[0-9A-F]{32}-3$/);
      assert.equal(done.versionId !== null && done.versionId !== undefined, versioned);
      assert.deepEqual(await f.store.listMultipartUploads(bucket), []);

      const head = await f.store.headObject(bucket, key);
      assert.equal(head?.etag, done.etag);
      assert.equal(head?.size, body.length);
      assert.equal(head?.objectType, 'Multipart');
      assert.equal(head?.crc64, crc64(body));
      assert.equal(done.crc64, crc64(body), "CompleteMultipartUpload answers with the whole object's crc64");
      assert.deepEqual(
        { headers: head?.headers, userMeta: head?.userMeta, tags: head?.tags, acl: head?.acl, encryption: head?.encryption, storageClass: head?.storageClass },
        {
          headers: { contentType: 'application/x-big', contentDisposition: 'inline; filename="数据.bin"' }, userMeta: { origin: 'src-bucket' },
          tags: { kind: 'big' }, acl: 'private', encryption: { algorithm: 'AES256' }, storageClass: 'IA',
        });
      assert.deepEqual(await readAll((await f.store.getObject(bucket, key)).stream), body);
      const lastPart = await f.store.getObject(bucket, key, { range: { start: 2 * PART, end: body.length - 1 }, ifMatch: done.etag });
      assert.deepEqual(await readAll(lastPart.stream), slices[2]);
    });

    test('abort leaves no upload behind', async () => {
      const bucket = await f.bucket({ versioned });
      const keep = await f.store.initiateMultipart(bucket, 'keep', {});
      const uploadId = await f.store.initiateMultipart(bucket, 'gone', { 'Content-Type': 'text/plain' });
      await f.store.uploadPart(bucket, 'gone', uploadId, 1, bytes(1000), 1000);
      assert.equal((await f.store.listMultipartUploads(bucket)).length, 2);
      await f.store.abortMultipart(bucket, 'gone', uploadId);
      assert.deepEqual((await f.store.listMultipartUploads(bucket)).map((u) => u.uploadId), [keep]);
      await assert.rejects(f.store.listParts(bucket, 'gone', uploadId), (err: unknown) => err instanceof CrrError && err.code === 'UPLOAD_NOT_FOUND');
      assert.equal(await f.store.headObject(bucket, 'gone'), null);
      await f.store.abortMultipart(bucket, 'keep', keep);
      assert.deepEqual(await f.store.listMultipartUploads(bucket), []);
    });
  });
}
