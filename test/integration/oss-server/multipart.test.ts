// Conformance: multipart upload through ali-oss — initiate, parts, part copy, complete with the OSS `-N`
// ETag and the whole-object CRC-64, list parts and uploads, abort, and the errors OSS gives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { crc64 } from '../../../core/crc64.ts';
import { startTestOss, uniqueBucket, type TestOss } from '../../helpers/oss.ts';

type OssErr = { status: number; code: string };
const is = (status: number, code?: string) => (e: OssErr) => e.status === status && (code === undefined || e.code === code);

let oss: TestOss;
before(async () => { oss = await startTestOss(); });
after(() => oss.stop());

function multipartEtag(parts: Buffer[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(createHash('md5').update(p).digest());
  return `"${h.digest('hex').toUpperCase()}-${parts.length}"`;
}

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: parts, part copy, complete, and the object they make`, async () => {
    const name = uniqueBucket('mp');
    await oss.client(undefined, sig).putBucket(name);
    const c = oss.client(name, sig);
    await c.put('source', randomBytes(300 * 1024));
    const source = (await c.get('source')).content as Buffer;
    const init = await c.initMultipartUpload('big/obj', { headers: { 'Content-Type': 'video/mp4', 'x-oss-meta-origin': 'mp', 'x-oss-tagging': 'a=b' } });
    assert.equal(init.name, 'big/obj');
    const p1 = randomBytes(200 * 1024);
    const p3 = randomBytes(1234);
    const r1 = await c.uploadPart('big/obj', init.uploadId, 1, p1, 0, p1.length);
    assert.equal(r1.etag, `"${createHash('md5').update(p1).digest('hex').toUpperCase()}"`);
    const r2 = await c.uploadPartCopy('big/obj', init.uploadId, 2, `100-${100 + 150 * 1024 - 1}`, { sourceKey: 'source', sourceBucketName: name });
    const r3 = await c.uploadPart('big/obj', init.uploadId, 3, p3, 0, p3.length);
    const p2 = source.subarray(100, 100 + 150 * 1024);
    const listed = await c.listParts('big/obj', init.uploadId, {});
    assert.deepEqual(listed.parts.map((p: { PartNumber: string }) => p.PartNumber), ['1', '2', '3']);
    assert.equal(listed.parts[1].Size, String(p2.length));
    const uploads = await c.listUploads({});
    assert.ok(uploads.uploads.some((u: { uploadId: string }) => u.uploadId === init.uploadId));
    const done = await c.completeMultipartUpload('big/obj', init.uploadId, [
      { number: 1, etag: r1.etag }, { number: 2, etag: r2.etag }, { number: 3, etag: r3.etag },
    ]);
    const whole = Buffer.concat([p1, p2, p3]);
    assert.equal(done.etag, multipartEtag([p1, p2, p3]));
    assert.equal(done.res.headers['x-oss-hash-crc64ecma'], crc64(whole));
    const got = await c.get('big/obj');
    assert.deepEqual(got.content, whole);
    const h = got.res.headers as Record<string, string>;
    assert.equal(h.etag, done.etag);
    assert.equal(h['x-oss-object-type'], 'Multipart');
    assert.equal(h['x-oss-hash-crc64ecma'], crc64(whole));
    assert.equal(h['content-type'], 'video/mp4');
    assert.equal(h['x-oss-meta-origin'], 'mp');
    assert.equal(h['x-oss-tagging-count'], '1');
    assert.equal((await c.listUploads({})).uploads.length, 0);
    await assert.rejects(c.listParts('big/obj', init.uploadId, {}), is(404, 'NoSuchUpload'));
  });

  test(`${sig}: multipartUpload of a stream-sized file, abort, and OSS's multipart errors`, async () => {
    const name = uniqueBucket('mpe');
    await oss.client(undefined, sig).putBucket(name);
    const c = oss.client(name, sig);
    const init = await c.initMultipartUpload('x');
    const small = randomBytes(1000);
    const a = await c.uploadPart('x', init.uploadId, 1, small, 0, small.length);
    const b = await c.uploadPart('x', init.uploadId, 2, small, 0, small.length);
    await assert.rejects(c.completeMultipartUpload('x', init.uploadId, [{ number: 1, etag: a.etag }, { number: 2, etag: b.etag }]), is(400, 'EntityTooSmall'));
    await assert.rejects(c.completeMultipartUpload('x', init.uploadId, [{ number: 1, etag: '"00000000000000000000000000000000"' }]), is(400, 'InvalidPart'));
    await assert.rejects(c.completeMultipartUpload('x', init.uploadId, [{ number: 5, etag: a.etag }]), is(400, 'InvalidPart'));
    await c.abortMultipartUpload('x', init.uploadId);
    await assert.rejects(c.uploadPart('x', init.uploadId, 3, small, 0, small.length), is(404, 'NoSuchUpload'));
    await assert.rejects(c.head('x'), is(404));
    // ali-oss's own multipart helper end to end.
    const data = randomBytes(700 * 1024);
    const r = await c.multipartUpload('helper', data, { partSize: 256 * 1024 });
    assert.equal(r.res.status, 200);
    assert.deepEqual((await c.get('helper')).content, data);
    assert.equal(((await c.head('helper')).res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], crc64(data));
  });
}

test('a versioned bucket gives a completed upload its own version id', async () => {
  const name = uniqueBucket('mpv');
  await oss.client().putBucket(name);
  const c = oss.client(name);
  await c.putBucketVersioning(name, 'Enabled');
  const init = await c.initMultipartUpload('v');
  const part = randomBytes(1000);
  const p = await c.uploadPart('v', init.uploadId, 1, part, 0, part.length);
  const done = await c.completeMultipartUpload('v', init.uploadId, [{ number: 1, etag: p.etag }]);
  const vid = done.res.headers['x-oss-version-id'];
  assert.ok(vid && vid !== 'null');
  assert.deepEqual((await c.get('v', { versionId: vid })).content, part);
});
