// Conformance: PutObject / GetObject / HeadObject / GetObjectMeta / CopyObject / AppendObject / ACL /
// tagging through ali-oss with both signature versions: headers, checksums, ranges and conditions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { crc64 } from '../../../core/crc64.ts';
import { startTestOss, uniqueBucket, type TestOss } from '../../helpers/oss.ts';

type OssErr = { status: number; code: string };
const is = (status: number, code?: string) => (e: OssErr) => e.status === status && (code === undefined || e.code === code);

let oss: TestOss;
before(async () => { oss = await startTestOss(); });
after(() => oss.stop());

async function freshBucket(sig: 'v1' | 'v4') {
  const name = uniqueBucket('obj');
  await oss.client(undefined, sig).putBucket(name);
  return oss.client(name, sig);
}

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: PutObject stores body and headers; HEAD and GetObjectMeta report them`, async () => {
    const c = await freshBucket(sig);
    const body = randomBytes(10_000);
    const put = await c.put('a/b.bin', body, {
      headers: {
        'Content-Type': 'application/x-test', 'Content-Encoding': 'identity', 'Content-Disposition': 'attachment; filename="b.bin"',
        'Content-Language': 'en', 'Cache-Control': 'no-cache', Expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
        'x-oss-meta-color': 'blue', 'x-oss-object-acl': 'private', 'x-oss-tagging': 'team=crr&env=test%20x',
        'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'key-123', 'x-oss-storage-class': 'IA',
      },
    });
    const md5 = createHash('md5').update(body).digest();
    assert.equal(put.res.headers.etag, `"${md5.toString('hex').toUpperCase()}"`);
    assert.equal(put.res.headers['x-oss-hash-crc64ecma'], crc64(body));
    const h = (await c.head('a/b.bin')).res.headers as Record<string, string>;
    assert.equal(h.etag, `"${md5.toString('hex').toUpperCase()}"`);
    assert.equal(h['content-length'], '10000');
    assert.equal(h['content-type'], 'application/x-test');
    assert.equal(h['content-encoding'], 'identity');
    assert.equal(h['content-disposition'], 'attachment; filename="b.bin"');
    assert.equal(h['content-language'], 'en');
    assert.equal(h['cache-control'], 'no-cache');
    assert.equal(h.expires, 'Wed, 21 Oct 2037 07:28:00 GMT');
    assert.equal(h['x-oss-meta-color'], 'blue');
    assert.equal(h['x-oss-hash-crc64ecma'], crc64(body));
    assert.equal(h['x-oss-object-type'], 'Normal');
    assert.equal(h['x-oss-tagging-count'], '2');
    assert.equal(h['x-oss-server-side-encryption'], 'KMS');
    assert.equal(h['x-oss-server-side-encryption-key-id'], 'key-123');
    assert.equal(h['x-oss-storage-class'], 'IA');
    assert.equal(h['content-md5'], md5.toString('base64'));
    assert.ok(!Number.isNaN(Date.parse(h['last-modified'])));
    assert.equal(h['x-oss-version-id'], undefined);
    const meta = (await c.getObjectMeta('a/b.bin')).res.headers as Record<string, string>;
    assert.equal(meta.etag, h.etag);
    assert.equal(meta['content-length'], '10000');
    assert.equal(meta['x-oss-hash-crc64ecma'], crc64(body));
    assert.deepEqual((await c.getObjectTagging('a/b.bin')).tag, { team: 'crr', env: 'test x' });
    assert.deepEqual((await c.get('a/b.bin')).content, body);
  });

  test(`${sig}: Content-MD5 mismatch is InvalidDigest; forbid-overwrite is FileAlreadyExists; bad ACL is InvalidArgument`, async () => {
    const c = await freshBucket(sig);
    await assert.rejects(c.put('k', Buffer.from('abc'), { headers: { 'Content-MD5': createHash('md5').update('other').digest('base64') } }), is(400, 'InvalidDigest'));
    await assert.rejects(c.head('k'), is(404));
    await c.put('k', Buffer.from('abc'));
    await assert.rejects(c.put('k', Buffer.from('def'), { headers: { 'x-oss-forbid-overwrite': 'true' } }), is(409, 'FileAlreadyExists'));
    assert.equal((await c.get('k')).content.toString(), 'abc');
    await assert.rejects(c.put('k2', Buffer.from('x'), { headers: { 'x-oss-object-acl': 'everyone' } }), is(400, 'InvalidArgument'));
    await assert.rejects(c.get('missing'), is(404, 'NoSuchKey'));
    await assert.rejects(c.head('missing'), is(404));
    await assert.rejects(oss.client('no-such-bucket-x', sig).get('k'), is(404, 'NoSuchBucket'));
  });

  test(`${sig}: ranges (explicit, open, suffix, invalid) and response-* overrides`, async () => {
    const c = await freshBucket(sig);
    const body = Buffer.from('0123456789');
    await c.put('r', body);
    const get = async (range: string, extra: Record<string, string> = {}) => {
      const r = await c.get('r', { headers: { Range: range, ...extra } });
      return { status: r.res.status, text: r.content.toString(), cr: (r.res.headers as Record<string, string>)['content-range'] };
    };
    assert.deepEqual(await get('bytes=2-4'), { status: 206, text: '234', cr: 'bytes 2-4/10' });
    assert.deepEqual(await get('bytes=7-'), { status: 206, text: '789', cr: 'bytes 7-9/10' });
    assert.deepEqual(await get('bytes=-3'), { status: 206, text: '789', cr: 'bytes 7-9/10' });
    assert.deepEqual(await get('bytes=5-100'), { status: 206, text: '56789', cr: 'bytes 5-9/10' });
    assert.deepEqual(await get('bytes=20-30'), { status: 200, text: '0123456789', cr: undefined });
    await assert.rejects(c.get('r', { headers: { Range: 'bytes=20-30', 'x-oss-range-behavior': 'standard' } }), is(416, 'InvalidRange'));
    const o = await c.get('r', { subres: { 'response-content-type': 'text/csv', 'response-cache-control': 'max-age=5', 'response-content-disposition': 'inline' } });
    const h = o.res.headers as Record<string, string>;
    assert.equal(h['content-type'], 'text/csv');
    assert.equal(h['cache-control'], 'max-age=5');
    assert.equal(h['content-disposition'], 'inline');
  });

  test(`${sig}: conditional GETs answer 412 and 304`, async () => {
    const c = await freshBucket(sig);
    const put = await c.put('c', Buffer.from('cond'));
    const etag = put.res.headers.etag as string;
    const past = new Date(Date.now() - 3600_000).toUTCString();
    const future = new Date(Date.now() + 3600_000).toUTCString();
    assert.equal((await c.get('c', { headers: { 'If-Match': etag } })).content.toString(), 'cond');
    await assert.rejects(c.get('c', { headers: { 'If-Match': '"0000"' } }), is(412, 'PreconditionFailed'));
    await assert.rejects(c.get('c', { headers: { 'If-Unmodified-Since': past } }), is(412, 'PreconditionFailed'));
    assert.equal((await c.get('c', { headers: { 'If-None-Match': etag } })).res.status, 304);
    assert.equal((await c.get('c', { headers: { 'If-Modified-Since': future } })).res.status, 200);
    const notMod = await c.get('c', { headers: { 'If-Modified-Since': new Date(Date.now() + 1000).toUTCString() } });
    assert.ok(notMod.res.status === 304 || notMod.res.status === 200);
    assert.equal((await c.get('c', { headers: { 'If-Modified-Since': past } })).res.status, 200);
    assert.equal((await c.get('c', { headers: { 'If-None-Match': '"other"' } })).res.status, 200);
    assert.equal((await c.head('c', { headers: { 'If-None-Match': etag } })).status, 304);
  });

  test(`${sig}: CopyObject with COPY and REPLACE directives and copy-source conditions`, async () => {
    const c = await freshBucket(sig);
    const src = await c.put('src', Buffer.from('copy me'), { headers: { 'x-oss-meta-a': '1', 'Content-Type': 'text/plain', 'x-oss-tagging': 't=1' } });
    const etag = src.res.headers.etag as string;
    const copied = await c.copy('dst', 'src');
    assert.equal(copied.data?.etag, etag);
    const h = (await c.head('dst')).res.headers as Record<string, string>;
    assert.equal(h['x-oss-meta-a'], '1');
    assert.equal(h['content-type'], 'text/plain');
    assert.equal(h['x-oss-hash-crc64ecma'], crc64('copy me'));
    assert.deepEqual((await c.getObjectTagging('dst')).tag, { t: '1' });
    await c.copy('dst2', 'src', { meta: { b: '2' }, headers: { 'Content-Type': 'text/html' } });
    const h2 = (await c.head('dst2')).res.headers as Record<string, string>;
    assert.equal(h2['x-oss-meta-a'], undefined);
    assert.equal(h2['x-oss-meta-b'], '2');
    assert.equal(h2['content-type'], 'text/html');
    assert.equal((await c.get('dst2')).content.toString(), 'copy me');
    await assert.rejects(c.copy('dst3', 'src', { headers: { 'If-Match': '"nope"' } }), is(412, 'PreconditionFailed'));
    const nm = await c.copy('dst3', 'src', { headers: { 'If-None-Match': etag } });
    assert.equal(nm.res.status, 304);
    await assert.rejects(c.head('dst3'), is(404));
    await c.copy('dst3', 'src', { headers: { 'If-Match': etag, 'If-Unmodified-Since': new Date(Date.now() + 60_000).toUTCString() } });
    assert.equal((await c.get('dst3')).content.toString(), 'copy me');
    await c.putMeta('src', { z: '9' });
    assert.equal(((await c.head('src')).res.headers as Record<string, string>)['x-oss-meta-z'], '9');
    assert.equal((await c.get('src')).content.toString(), 'copy me');
    // Across buckets on the same server.
    const other = await freshBucket(sig);
    await other.copy('x', `/${(c as unknown as { options: { bucket: string } }).options.bucket}/src`);
    assert.equal((await other.get('x')).content.toString(), 'copy me');
    await assert.rejects(c.copy('y', 'missing-src'), is(404, 'NoSuchKey'));
  });

  test(`${sig}: AppendObject grows an appendable object and checks position`, async () => {
    const c = await freshBucket(sig);
    const r1 = await c.append('log', Buffer.from('hello '));
    assert.equal(r1.nextAppendPosition, '6');
    const r2 = await c.append('log', Buffer.from('world'), { position: r1.nextAppendPosition });
    assert.equal(r2.nextAppendPosition, '11');
    assert.equal(r2.res.headers['x-oss-hash-crc64ecma'], crc64('hello world'));
    assert.equal((await c.get('log')).content.toString(), 'hello world');
    const h = (await c.head('log')).res.headers as Record<string, string>;
    assert.equal(h['x-oss-object-type'], 'Appendable');
    assert.equal(h['x-oss-next-append-position'], '11');
    await assert.rejects(c.append('log', Buffer.from('!'), { position: '3' }), is(409, 'PositionNotEqualToLength'));
    await c.put('normal', Buffer.from('n'));
    await assert.rejects(c.append('normal', Buffer.from('!'), { position: '1' }), is(409, 'ObjectNotAppendable'));
  });

  test(`${sig}: object ACL and tagging change attributes, never the body`, async () => {
    const c = await freshBucket(sig);
    const put = await c.put('t', Buffer.from('body'));
    assert.equal((await c.getACL('t')).acl, 'default');
    await c.putACL('t', 'public-read');
    assert.equal((await c.getACL('t')).acl, 'public-read');
    await c.putObjectTagging('t', { a: '1', b: 'two words' });
    assert.deepEqual((await c.getObjectTagging('t')).tag, { a: '1', b: 'two words' });
    await c.deleteObjectTagging('t');
    assert.deepEqual((await c.getObjectTagging('t')).tag, {});
    const h = (await c.head('t')).res.headers as Record<string, string>;
    assert.equal(h.etag, put.res.headers.etag);
    assert.equal(h['x-oss-tagging-count'], undefined);
    assert.equal((await c.get('t')).content.toString(), 'body');
  });

  test(`${sig}: DeleteObject and DeleteMultipleObjects`, async () => {
    const c = await freshBucket(sig);
    for (const k of ['d1', 'd2', "q'&<x>\"", 'd 4']) await c.put(k, Buffer.from(k));
    assert.equal((await c.delete('d1')).res.status, 204);
    assert.equal((await c.delete('never-existed')).res.status, 204);
    const r = await c.deleteMulti(['d2', "q'&<x>\"", 'd 4']);
    assert.deepEqual(r.deleted.map((d: { Key: string }) => d.Key).sort(), ['d 4', 'd2', "q'&<x>\""].sort());
    assert.equal((await c.list({}, {})).objects.length, 0);
    const quiet = await c.deleteMulti(['zz'], { quiet: true });
    assert.deepEqual(quiet.deleted, []);
  });
}

test('a 1,023-byte key is accepted and 1,024 bytes is InvalidObjectName', async () => {
  const c = await freshBucket('v1');
  const key = 'k'.repeat(1020) + 'ü/';
  assert.equal(Buffer.byteLength(key), 1023);
  await c.put(key, Buffer.from('long'));
  assert.equal((await c.get(key)).content.toString(), 'long');
  await assert.rejects(c.put('k'.repeat(1024), Buffer.from('x')), is(400, 'InvalidObjectName'));
});

test('objects survive a restart of the server', async () => {
  const c = await freshBucket('v1');
  await c.put('persist', Buffer.from('still here'), { headers: { 'x-oss-meta-m': 'v' } });
  await oss.restart();
  const c2 = oss.client((c as unknown as { options: { bucket: string } }).options.bucket);
  const g = await c2.get('persist');
  assert.equal(g.content.toString(), 'still here');
  assert.equal((g.res.headers as Record<string, string>)['x-oss-meta-m'], 'v');
});

test('a stop lets a request already past its checks finish: its write is kept, no internal error', async () => {
  const c = await freshBucket('v1');
  const bucket = (c as unknown as { options: { bucket: string } }).options.bucket;
  await c.put('acl-at-stop', Buffer.from('x'));
  // The ACL write waits 500 ms in the server, past the 200 ms after which stop() cuts open connections.
  oss.server.setFaults({ operationLatencyMs: { PutObjectAcl: 500 } });
  const internal: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => { internal.push(String(args[0])); };
  try {
    const cut = c.putACL('acl-at-stop', 'public-read').then(() => 'answered', () => 'cut');
    await new Promise((r) => setTimeout(r, 50));
    await oss.restart();
    assert.equal(await cut, 'cut', 'the connection was cut before the answer');
  } finally {
    console.error = consoleError;
  }
  assert.deepEqual(internal.filter((line) => line.includes('internal error')), [], 'no request failed inside the server');
  assert.equal((await oss.client(bucket).getACL('acl-at-stop')).acl, 'public-read', 'the write the handler made before the stop is kept');
});

test('readers never see a half-written object while it is overwritten', async () => {
  const c = await freshBucket('v1');
  const bodies = [0, 1, 2, 3].map((i) => Buffer.alloc(i % 2 ? 1024 * 1024 : 64 * 1024, i + 1));
  const etags = new Map(bodies.map((b) => [`"${createHash('md5').update(b).digest('hex').toUpperCase()}"`, b]));
  await c.put('hot', bodies[0]);
  let writing = true;
  const writer = (async () => {
    for (let i = 1; i < 16; i++) await c.put('hot', bodies[i % 4]);
    writing = false;
  })();
  let reads = 0;
  await Promise.all([1, 2, 3].map(async () => {
    while (writing) {
      const r = await c.get('hot');
      const expected = etags.get((r.res.headers as Record<string, string>).etag);
      assert.ok(expected, 'etag of a body that was written');
      assert.ok(expected.equals(r.content), 'body matches its etag');
      reads++;
    }
  }));
  await writer;
  assert.ok(reads > 0);
});

test('PostObject: a policy-signed form upload, and refusals for bad signatures and policies', async () => {
  const c = await freshBucket('v1');
  const bucket = (c as unknown as { options: { bucket: string } }).options.bucket;
  const policy = Buffer.from(JSON.stringify({
    expiration: new Date(Date.now() + 60_000).toISOString(),
    conditions: [{ bucket }, ['starts-with', '$key', 'uploads/'], ['content-length-range', 1, 1000]],
  })).toString('base64');
  const sign = (p: string, secret = oss.credentials.accessKeySecret) => createHmac('sha1', secret).update(p).digest('base64');
  const post = (fields: Record<string, string>, content = 'form body') => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([content], { type: 'text/plain' }), 'a.txt');
    return fetch(`${oss.endpoint}/${bucket}/`, { method: 'POST', body: form });
  };
  const base = { key: 'uploads/${filename}', OSSAccessKeyId: oss.credentials.accessKeyId, policy, 'x-oss-meta-from': 'form' };
  const ok = await post({ ...base, Signature: sign(policy), success_action_status: '201' });
  assert.equal(ok.status, 201);
  assert.match(await ok.text(), /<Key>uploads\/a.txt<\/Key>/);
  const g = await c.get('uploads/a.txt');
  assert.equal(g.content.toString(), 'form body');
  assert.equal((g.res.headers as Record<string, string>)['x-oss-meta-from'], 'form');
  assert.equal((g.res.headers as Record<string, string>)['content-type'], 'text/plain');
  assert.equal((await post({ ...base, Signature: sign(policy, 'wrong') })).status, 403);
  assert.equal((await post({ ...base, key: 'elsewhere/x', Signature: sign(policy) })).status, 403);
  assert.equal((await post({ ...base, Signature: sign(policy) }, 'x'.repeat(2000))).status, 400);
  assert.equal((await post({ key: 'uploads/anon' })).status, 403);
});

test('empty objects: put, get, range, copy and chunked uploads', async () => {
  const c = await freshBucket('v4');
  const put = await c.put('empty', Buffer.alloc(0));
  assert.equal(put.res.headers['x-oss-hash-crc64ecma'], '0');
  assert.equal(put.res.headers.etag, '"D41D8CD98F00B204E9800998ECF8427E"');
  assert.equal((await c.get('empty')).content.length, 0);
  assert.equal((await c.get('empty', { headers: { Range: 'bytes=0-5' } })).res.status, 200);
  await c.copy('empty2', 'empty');
  assert.equal((await c.get('empty2')).content.length, 0);
  const { Readable } = await import('node:stream');
  await c.putStream('chunked', Readable.from([Buffer.from('abc'), Buffer.from('def')]));
  assert.equal((await c.get('chunked')).content.toString(), 'abcdef');
});
