// Conformance: server-side encryption as OSS records and reports it. A write's x-oss-server-side-encryption
// (AES256, SM4, KMS with a key id or the default managed key, KMS with x-oss-server-side-data-encryption SM4)
// comes back on the write's answer, on HEAD and GET; CopyObject encrypts only as its own request asks
// (OSS's CopyObject: without the header the copy is not encrypted, whatever the source); multipart applies
// what InitiateMultipartUpload asked and reports it on every step. Listings show none of it, as OSS's do not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestOss, uniqueBucket, type LooseOssClient, type TestOss } from '../../helpers/oss.ts';

const SSE = 'x-oss-server-side-encryption';
const KEY_ID = 'x-oss-server-side-encryption-key-id';
const DATA = 'x-oss-server-side-data-encryption';
type Headers = Record<string, string | undefined>;
const sseOf = (h: Headers) => ({ sse: h[SSE], keyId: h[KEY_ID], data: h[DATA] });

let oss: TestOss;
let c: LooseOssClient;
before(async () => {
  oss = await startTestOss();
  const name = uniqueBucket('sse');
  await oss.client().putBucket(name);
  c = oss.client(name);
});
after(() => oss.stop());

test('PutObject records the encryption asked for; its answer, HEAD and GET report it', async () => {
  const cases: [string, Headers, { sse?: string; keyId?: string | RegExp; data?: string }][] = [
    ['aes', { [SSE]: 'AES256' }, { sse: 'AES256' }],
    ['sm4', { [SSE]: 'SM4' }, { sse: 'SM4' }],
    ['kms-key', { [SSE]: 'KMS', [KEY_ID]: 'key-1234' }, { sse: 'KMS', keyId: 'key-1234' }],
    ['kms-default', { [SSE]: 'KMS' }, { sse: 'KMS', keyId: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/ }],
    ['kms-sm4', { [SSE]: 'KMS', [KEY_ID]: 'key-sm4', [DATA]: 'SM4' }, { sse: 'KMS', keyId: 'key-sm4', data: 'SM4' }],
    ['plain', {}, {}],
  ];
  for (const [key, headers, want] of cases) {
    const put = await c.put(key, Buffer.from(key), { headers });
    for (const h of [put.res.headers, (await c.head(key)).res.headers, (await c.get(key)).res.headers] as Headers[]) {
      const got = sseOf(h);
      assert.equal(got.sse, want.sse, `${key}: ${SSE}`);
      if (want.keyId instanceof RegExp) assert.match(got.keyId ?? '', want.keyId, `${key}: key id`);
      else assert.equal(got.keyId, want.keyId, `${key}: key id`);
      assert.equal(got.data, want.data, `${key}: data encryption`);
    }
  }
  // The default managed key is one key: two writes report the same id.
  await c.put('kms-default-2', Buffer.from('x'), { headers: { [SSE]: 'KMS' } });
  assert.equal((await c.head('kms-default-2')).res.headers[KEY_ID], (await c.head('kms-default')).res.headers[KEY_ID]);
});

test('CopyObject encrypts only as its own request says, with COPY and REPLACE alike', async () => {
  await c.put('src-kms', Buffer.from('secret'), { headers: { [SSE]: 'KMS', [KEY_ID]: 'key-src' } });
  await c.copy('copy-plain', 'src-kms');
  assert.deepEqual(sseOf((await c.head('copy-plain')).res.headers), { sse: undefined, keyId: undefined, data: undefined });
  const copied = await c.copy('copy-sm4', 'src-kms', { headers: { [SSE]: 'SM4', 'x-oss-metadata-directive': 'REPLACE' } });
  assert.equal(copied.res.headers[SSE], 'SM4');
  assert.deepEqual(sseOf((await c.head('copy-sm4')).res.headers), { sse: 'SM4', keyId: undefined, data: undefined });
  await c.copy('copy-kms', 'copy-plain', { headers: { [SSE]: 'KMS', [KEY_ID]: 'key-dst' } });
  assert.deepEqual(sseOf((await c.head('copy-kms')).res.headers), { sse: 'KMS', keyId: 'key-dst', data: undefined });
  assert.equal((await c.get('copy-kms')).content.toString(), 'secret');
});

test('multipart: the encryption of InitiateMultipartUpload is reported on init, parts, complete and the object', async () => {
  const init = await c.initMultipartUpload('mp-kms', { headers: { [SSE]: 'KMS', [KEY_ID]: 'key-mp', [DATA]: 'SM4' } });
  const want = { sse: 'KMS', keyId: 'key-mp', data: 'SM4' };
  assert.deepEqual(sseOf(init.res.headers), want);
  const part = await c.uploadPart('mp-kms', init.uploadId, 1, Buffer.from('part one'), 0, 8);
  assert.deepEqual(sseOf(part.res.headers), want);
  const done = await c.completeMultipartUpload('mp-kms', init.uploadId, [{ number: 1, etag: part.etag }]);
  assert.deepEqual(sseOf(done.res.headers), want);
  assert.deepEqual(sseOf((await c.head('mp-kms')).res.headers), want);
});

test('listings carry no encryption (OSS\'s ListObjects, V2 and ListObjectVersions have no such element)', async () => {
  const v1 = await c.list({ prefix: 'kms-key' }, {});
  assert.equal(v1.objects.length, 1);
  assert.doesNotMatch(v1.res.data.toString(), /Encryption|KMS|AES256/);
});

test('malformed encryption headers are 400, and nothing is written', async () => {
  const refused = async (key: string, headers: Headers, code: string) => {
    await assert.rejects(c.put(key, Buffer.from('x'), { headers }), (e: { status: number; code: string }) => e.status === 400 && e.code === code);
    await assert.rejects(c.head(key), (e: { status: number }) => e.status === 404);
  };
  await refused('bad-alg', { [SSE]: 'DES' }, 'InvalidEncryptionAlgorithmError');
  await refused('bad-empty-key', { [SSE]: 'KMS', [KEY_ID]: '' }, 'InvalidArgument');
  await refused('bad-key-aes', { [SSE]: 'AES256', [KEY_ID]: 'k' }, 'InvalidArgument');
  await refused('bad-data', { [SSE]: 'KMS', [DATA]: 'AES256' }, 'InvalidArgument');
  await refused('bad-key-alone', { [KEY_ID]: 'k' }, 'InvalidArgument');
});
