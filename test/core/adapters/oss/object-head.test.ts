// HEAD's headers into an ObjectHead, and header values to and from the wire (UTF-8 bytes carried as latin1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromWire, headFromHeaders, taggingCount, toWire, wireHeaders } from '../../../../core/adapters/oss/object-head.ts';

test('non-ASCII values travel as their UTF-8 bytes and come back as the same string', () => {
  for (const v of ['plain', '报告.pdf', 'é', 'attachment; filename="naïve 文件.txt"', '']) {
    const wire = toWire(v);
    assert.ok([...wire].every((c) => c.charCodeAt(0) <= 0xff));
    assert.deepEqual(Buffer.from(wire, 'latin1'), Buffer.from(v, 'utf8'));
    assert.equal(fromWire(wire), v);
  }
  assert.equal(fromWire('\xe9'), '\xe9', 'bytes that are not UTF-8 stay as they came');
  assert.deepEqual(wireHeaders({ 'x-oss-meta-a': 'ü' }), { 'x-oss-meta-a': 'Ã¼' });
});

test('headFromHeaders reads every attribute replication compares', () => {
  const head = headFromHeaders('k', {
    etag: '"ABC"', 'content-length': '12', 'last-modified': 'Tue, 02 Jan 2024 03:04:05 GMT', 'x-oss-version-id': 'V1',
    'x-oss-hash-crc64ecma': '123', 'x-oss-storage-class': 'IA', 'x-oss-server-side-encryption': 'KMS',
    'x-oss-server-side-encryption-key-id': 'kid', 'x-oss-object-type': 'Multipart', 'content-type': 'text/plain',
    'content-encoding': 'gzip', 'content-disposition': toWire('attachment; filename="文件"'), 'cache-control': 'no-cache',
    expires: 'Wed, 21 Oct 2015 07:28:00 GMT', 'content-language': 'en', 'x-oss-meta-b': '2', 'x-oss-meta-a': toWire('ä'),
    'x-oss-tagging-count': '2', 'x-oss-request-id': 'R',
  }, { t: '1' }, 'private');
  assert.deepEqual(head, {
    key: 'k', etag: 'ABC', size: 12, lastModified: Date.UTC(2024, 0, 2, 3, 4, 5), versionId: 'V1', crc64: '123', storageClass: 'IA',
    encryption: { algorithm: 'KMS', keyId: 'kid' }, objectType: 'Multipart',
    headers: { contentType: 'text/plain', contentEncoding: 'gzip', contentDisposition: 'attachment; filename="文件"', cacheControl: 'no-cache',
      expires: 'Wed, 21 Oct 2015 07:28:00 GMT', contentLanguage: 'en' },
    userMeta: { a: 'ä', b: '2' }, tags: { t: '1' }, acl: 'private',
  });
  assert.equal(taggingCount({ 'x-oss-tagging-count': '2' }), 2);
  assert.equal(taggingCount({}), 0);
});

test('an unversioned, unencrypted object', () => {
  const head = headFromHeaders('k', { etag: '"E"', 'content-length': '0', 'x-oss-server-side-encryption': 'AES256' }, {}, 'default');
  assert.equal(head.versionId, null);
  assert.deepEqual(head.encryption, { algorithm: 'AES256' });
  assert.deepEqual(head.userMeta, {});
  assert.equal(head.crc64, undefined);
});

test('SSE-OSS SM4 and SSE-KMS with SM4 data encryption are read as OSS reports them; the owner comes from the ACL answer', () => {
  const sm4 = headFromHeaders('k', { etag: '"E"', 'content-length': '0', 'x-oss-server-side-encryption': 'SM4' }, {}, 'default');
  assert.deepEqual(sm4.encryption, { algorithm: 'SM4' });
  const kms = headFromHeaders('k', { etag: '"E"', 'content-length': '0', 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'kid',
    'x-oss-server-side-data-encryption': 'SM4' }, {}, 'default', '1234567890');
  assert.deepEqual(kms.encryption, { algorithm: 'KMS', keyId: 'kid', dataEncryption: 'SM4' });
  assert.equal(kms.owner, '1234567890');
  assert.equal(sm4.owner, undefined);
});
