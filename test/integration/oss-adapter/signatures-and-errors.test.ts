// The adapter works with V1 and V4 signatures alike, reports each OSS request once to onRequest, and turns
// real server and network failures into classified CrrErrors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { crc64 } from '../../../core/crc64.ts';
import { CrrError } from '../../../core/errors.ts';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import { taggingHeader, type ObjectStore } from '../../../core/ports/object-store.ts';
import { bytes, chunked, readAll, startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

function isCode(code: string, retriable: boolean) {
  return (err: unknown) => err instanceof CrrError && err.code === code && err.retriable === retriable;
}

async function everyOperation(store: ObjectStore, bucket: string): Promise<void> {
  const key = 'sig/ünï cødé+%.txt';
  const body = bytes(5000, 9);
  const w = await store.putObject(bucket, key, chunked(body, 999), {
    headers: { 'Content-Type': 'text/plain', 'Content-Disposition': 'attachment; filename="文.txt"', 'x-oss-meta-m': 'wert ä', 'x-oss-tagging': taggingHeader({ t: '1 2' }) },
    contentLength: body.length,
  });
  assert.equal(w.crc64, crc64(body));
  let head = await store.headObject(bucket, key);
  assert.deepEqual([head?.userMeta, head?.tags, head?.headers.contentDisposition], [{ m: 'wert ä' }, { t: '1 2' }, 'attachment; filename="文.txt"']);
  const range = await store.getObject(bucket, key, { ifMatch: w.etag, range: { start: 10, end: 19 } });
  assert.deepEqual(await readAll(range.stream), body.subarray(10, 20));
  await store.replaceMetadata(bucket, key, { 'Content-Type': 'text/csv', 'x-oss-meta-m': 'neu' });
  await store.putAcl(bucket, key, 'private');
  await store.putTags(bucket, key, { x: 'y' });
  head = await store.headObject(bucket, key);
  assert.deepEqual([head?.headers.contentType, head?.userMeta, head?.tags, head?.acl], ['text/csv', { m: 'neu' }, { x: 'y' }, 'private']);
  await store.deleteTags(bucket, key);
  const listed: string[] = [];
  for await (const page of store.listObjects(bucket, { prefix: 'sig/' })) listed.push(...page.map((o) => o.key));
  assert.deepEqual(listed, [key]);
  const uploadId = await store.initiateMultipart(bucket, 'sig/mp', { 'x-oss-meta-a': 'ö' });
  const p1 = await store.uploadPart(bucket, 'sig/mp', uploadId, 1, bytes(100 * 1024, 1), 100 * 1024);
  const p2 = await store.uploadPart(bucket, 'sig/mp', uploadId, 2, chunked(bytes(10, 2)), 10);
  assert.equal((await store.listParts(bucket, 'sig/mp', uploadId)).length, 2);
  assert.equal((await store.listMultipartUploads(bucket, 'sig/')).length, 1);
  const mp = await store.completeMultipart(bucket, 'sig/mp', uploadId, [{ partNumber: 1, etag: p1 }, { partNumber: 2, etag: p2 }]);
  assert.match(mp.etag, /-2$/);
  const abandoned = await store.initiateMultipart(bucket, 'sig/mp2', {});
  await store.abortMultipart(bucket, 'sig/mp2', abandoned);
  const d = await store.deleteObject(bucket, key);
  assert.equal(d.deleteMarker, true);
  assert.equal(await store.headObject(bucket, key), null);
  const chain = await store.listKeyVersions(bucket, key);
  assert.deepEqual(chain.map((e) => Boolean(e.isDeleteMarker)), [true, false, false]);
  let versions = 0;
  for await (const page of store.listObjectVersions(bucket, { prefix: 'sig/' })) versions += page.length;
  assert.equal(versions, 4);
  assert.equal(await store.isVersioned(bucket), true);
}

for (const sig of ['v1', 'v4'] as const) {
  test(`every operation works with ${sig} signatures`, async () => {
    await everyOperation(f.storeWith(sig), await f.bucket({ versioned: true }));
  });
}

test('onRequest sees each OSS request once, with its operation name and outcome', async () => {
  const bucket = await f.bucket();
  f.requests.length = 0;
  await f.store.putObject(bucket, 'k', Buffer.from('x'), { headers: {}, contentLength: 1 });
  await f.store.headObject(bucket, 'k'); // untagged: HEAD + ACL
  await f.store.putTags(bucket, 'k', { a: '1' });
  await f.store.headObject(bucket, 'k'); // tagged: HEAD + tagging + ACL
  await f.store.headObject(bucket, 'missing');
  await assert.rejects(f.store.getObject(bucket, 'k', { ifMatch: '00000000000000000000000000000000' }));
  const ops = f.requests.map((r) => (r.result === 'ok' ? r.op : `${r.op}:${r.code}`));
  assert.deepEqual(ops.slice(0, 3), ['PutObject', 'HeadObject', 'GetObjectAcl']);
  assert.equal(ops[3], 'PutObjectTagging');
  assert.deepEqual([...ops.slice(4, 7)].sort(), ['GetObjectAcl', 'GetObjectTagging', 'HeadObject']);
  assert.deepEqual(ops.slice(7), ['HeadObject:NOT_FOUND', 'GetObject:SOURCE_CHANGED']);
  // An absent key is an answer, not a failure: the error-ratio alert counts only 'error'.
  assert.deepEqual(f.requests.slice(7).map((r) => r.result), ['absent', 'error']);

  f.requests.length = 0;
  for await (const page of f.store.listObjects(bucket, { pageSize: 1 })) assert.equal(page.length, 1);
  assert.deepEqual(f.requests.map((r) => r.op), ['ListObjectsV2']);
});

test('a wrong secret is AUTH_FAILED and not retriable, with no secret in the error', async () => {
  const bucket = await f.bucket();
  for (const sig of ['v1', 'v4'] as const) {
    const bad = f.storeWith(sig, 'wrong-secret-value');
    const err = await bad.putObject(bucket, 'k', Buffer.from('x'), { headers: {}, contentLength: 1 }).catch((e: unknown) => e);
    assert.ok(isCode('AUTH_FAILED', false)(err), String(err));
    const text = JSON.stringify((err as CrrError).toJSON()) + (err as Error).message;
    assert.doesNotMatch(text, /wrong-secret-value/);
    assert.doesNotMatch(text, new RegExp(f.oss.credentials.accessKeySecret));
    assert.equal((err as CrrError).stage, 'destination-write');
  }
});

test('injected SlowDown and InternalError, on writes and bodiless HEADs, are retriable', async () => {
  const bucket = await f.bucket();
  await f.store.putObject(bucket, 'k', Buffer.from('x'), { headers: {}, contentLength: 1 });
  try {
    f.oss.server.setFaults({ bucketErrors: { [bucket]: { status: 503, code: 'SlowDown' } } });
    await assert.rejects(f.store.putObject(bucket, 'k', bytes(1000), { headers: {}, contentLength: 1000 }), isCode('THROTTLED', true));
    await assert.rejects(f.store.headObject(bucket, 'k'), isCode('THROTTLED', true));
    f.oss.server.setFaults({ bucketErrors: { [bucket]: { status: 500, code: 'InternalError' } } });
    const err = await f.store.getObject(bucket, 'k').catch((e: unknown) => e);
    assert.ok(isCode('SERVER_ERROR', true)(err));
    assert.equal((err as CrrError).stage, 'source-read');
    assert.equal((err as CrrError).context.ossCode, 'InternalError');
    assert.equal((err as CrrError).context.status, 500);
    assert.ok((err as CrrError).context.requestId);
  } finally {
    f.oss.server.setFaults({});
  }
});

test('reset connections and a closed port are retriable network errors', async () => {
  const bucket = await f.bucket();
  try {
    f.oss.server.setFaults({ resetRate: 1 });
    await assert.rejects(f.store.headObject(bucket, 'k'), isCode('NETWORK', true));
  } finally {
    f.oss.server.setFaults({});
  }
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const nowhere = createObjectStore({ endpoint: `http://127.0.0.1:${port}`, region: f.oss.region, ...f.oss.credentials, timeoutMs: 2000 });
  await assert.rejects(nowhere.headObject(bucket, 'k'), isCode('NETWORK', true));
});

test('a create-only PUT (forbidOverwrite) writes a new key and is refused with ALREADY_EXISTS on an existing one', async () => {
  const bucket = await f.bucket();
  const put = (body: string) => f.store.putObject(bucket, 'once', Buffer.from(body), { headers: {}, contentLength: body.length, forbidOverwrite: true });
  await put('first');
  f.requests.length = 0;
  await assert.rejects(put('second'), isCode('ALREADY_EXISTS', false));
  assert.deepEqual(f.requests.map((r) => r.result), ['exists'], 'counted as an answer, not an error');
  assert.equal((await readAll((await f.store.getObject(bucket, 'once')).stream)).toString(), 'first', 'the object was not replaced');
});
