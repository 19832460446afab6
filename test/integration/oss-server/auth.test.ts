// Conformance: V1 and V4 signatures accepted exactly, wrong keys and signatures refused as OSS does,
// presigned URLs, anonymous access by ACL, and the XML error document.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOssClient } from '../../../core/adapters/oss/client.ts';
import { startTestOss, uniqueBucket, type TestOss, type Listed } from '../../helpers/oss.ts';

let oss: TestOss;
let bucket: string;
before(async () => {
  oss = await startTestOss();
  bucket = uniqueBucket('auth');
  await oss.client().putBucket(bucket);
  await oss.client(bucket).put('doc.txt', Buffer.from('secret text'));
});
after(() => oss.stop());

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: signed requests with odd keys and sub-resources are accepted`, async () => {
    const c = oss.client(bucket, sig);
    const key = `dir/ü ñ+%&=?#;,'!*()~@$[]/${sig}.txt`;
    await c.put(key, Buffer.from('x'), { headers: { 'x-oss-meta-a': ' padded ', 'Content-Disposition': 'attachment' } });
    assert.equal((await c.get(key)).content.toString(), 'x');
    await c.putObjectTagging(key, { a: 'b' });
    assert.deepEqual((await c.getObjectTagging(key)).tag, { a: 'b' });
    const list = await c.list({ prefix: 'dir/', 'max-keys': 5 }, {});
    assert.ok(list.objects.some((o: Listed) => o.name === key));
  });

  test(`${sig}: an unknown access key is InvalidAccessKeyId (403)`, async () => {
    const c = createOssClient({ endpoint: oss.endpoint, region: oss.region, accessKeyId: 'nobody', accessKeySecret: 'x', bucket, signatureVersion: sig });
    await assert.rejects(c.get('doc.txt'), (e: { status: number; code: string; requestId: string; ecCode: string }) =>
      e.status === 403 && e.code === 'InvalidAccessKeyId' && /^[0-9A-F]{24}$/.test(e.requestId) && /^\d{4}-\d{8}$/.test(e.ecCode));
  });

  test(`${sig}: a wrong secret is SignatureDoesNotMatch (403)`, async () => {
    const c = createOssClient({ endpoint: oss.endpoint, region: oss.region, accessKeyId: oss.credentials.accessKeyId, accessKeySecret: 'wrong', bucket, signatureVersion: sig });
    await assert.rejects(c.get('doc.txt'), (e: { status: number; code: string }) => e.status === 403 && e.code === 'SignatureDoesNotMatch');
    await assert.rejects(c.put('new', Buffer.from('y')), (e: { code: string }) => e.code === 'SignatureDoesNotMatch');
    // A HEAD error has no body: the code comes back through x-oss-err.
    await assert.rejects(c.head('doc.txt'), (e: { status: number; code: string }) => e.status === 403 && e.code === 'SignatureDoesNotMatch');
  });
}

test('v4: a request signed for another region is refused', async () => {
  const c = createOssClient({ endpoint: oss.endpoint, region: 'oss-cn-beijing', ...oss.credentials, bucket, signatureVersion: 'v4' });
  await assert.rejects(c.get('doc.txt'), (e: { code: string }) => e.code === 'SignatureDoesNotMatch');
});

test('a tampered header after signing is refused', async () => {
  const res = await fetch(`${oss.endpoint}/${bucket}/doc.txt`, {
    headers: { authorization: `OSS ${oss.credentials.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=`, date: new Date().toUTCString() },
  });
  assert.equal(res.status, 403);
  const body = await res.text();
  assert.match(body, /<Code>SignatureDoesNotMatch<\/Code>/);
  assert.match(body, /<RequestId>[0-9A-F]{24}<\/RequestId>/);
  assert.match(body, /<HostId>/);
  assert.equal(res.headers.get('x-oss-request-id')?.length, 24);
  assert.match(res.headers.get('x-oss-ec') ?? '', /^\d{4}-\d{8}$/);
});

test('a stale V1 date is RequestTimeTooSkewed', async () => {
  const res = await fetch(`${oss.endpoint}/${bucket}/doc.txt`, {
    headers: { authorization: `OSS ${oss.credentials.accessKeyId}:x`, date: new Date(Date.now() - 3600_000).toUTCString() },
  });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /RequestTimeTooSkewed/);
});

test('V1 presigned URLs work until they expire, including response-* overrides', async () => {
  const c = oss.client(bucket);
  const url = c.signatureUrl('doc.txt', { expires: 60, response: { 'content-type': 'text/plain', 'content-disposition': 'inline' } });
  const ok = await fetch(url);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'secret text');
  assert.equal(ok.headers.get('content-type'), 'text/plain');
  assert.equal(ok.headers.get('content-disposition'), 'inline');
  const expired = await fetch(c.signatureUrl('doc.txt', { expires: -10 }));
  assert.equal(expired.status, 403);
  assert.match(await expired.text(), /AccessDenied/);
  const tampered = await fetch(url.replace('doc.txt', 'doc2.txt'));
  assert.equal(tampered.status, 403);
  assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  const putUrl = c.signatureUrl('via-url.txt', { method: 'PUT', expires: 60, 'Content-Type': 'text/plain' });
  const put = await fetch(putUrl, { method: 'PUT', body: 'uploaded', headers: { 'content-type': 'text/plain' } });
  assert.equal(put.status, 200);
  assert.equal((await c.get('via-url.txt')).content.toString(), 'uploaded');
});

test('V4 presigned URLs work', async () => {
  const c = oss.client(bucket, 'v4');
  const url = await c.signatureUrlV4('GET', 60, { headers: {} }, 'doc.txt');
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'secret text');
});

test('anonymous requests follow bucket and object ACLs', async () => {
  const c = oss.client(bucket);
  const url = `${oss.endpoint}/${bucket}/doc.txt`;
  assert.equal((await fetch(url)).status, 403);
  await c.putACL('doc.txt', 'public-read');
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'secret text');
  assert.equal((await fetch(url, { method: 'PUT', body: 'no' })).status, 403);
  assert.equal((await fetch(`${oss.endpoint}/${bucket}/`)).status, 403);
});
