// Version chains on a versioned bucket: delete makes a delete marker, heads of old versions and of markers,
// deleting one version, and listKeyVersions returning exactly the key's chain, newest first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAll, startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
let bucket: string;
before(async () => {
  f = await startStoreFixture('v1');
  bucket = await f.bucket({ versioned: true });
});
after(async () => { await f?.stop(); });

const put = (key: string, body: string, headers: Record<string, string> = {}) =>
  f.store.putObject(bucket, key, Buffer.from(body), { headers, contentLength: Buffer.byteLength(body) });

test('delete makes a delete marker; old versions stay readable with their own attributes', async () => {
  const v1 = await put('doc', 'one', { 'x-oss-meta-n': '1', 'x-oss-tagging': 'v=1', 'x-oss-object-acl': 'private' });
  const v2 = await put('doc', 'two!', { 'x-oss-meta-n': '2' });
  assert.ok(v1.versionId && v2.versionId && v1.versionId !== v2.versionId);
  const del = await f.store.deleteObject(bucket, 'doc');
  assert.equal(del.deleteMarker, true);
  assert.ok(del.versionId);

  assert.equal(await f.store.headObject(bucket, 'doc'), null, 'latest is a delete marker');
  assert.equal(await f.store.headObject(bucket, 'doc', del.versionId), null, 'a delete marker has no head');
  const old = await f.store.headObject(bucket, 'doc', v1.versionId);
  assert.deepEqual({ versionId: old?.versionId, size: old?.size, meta: old?.userMeta, tags: old?.tags, acl: old?.acl },
    { versionId: v1.versionId, size: 3, meta: { n: '1' }, tags: { v: '1' }, acl: 'private' });
  const body = await f.store.getObject(bucket, 'doc', { versionId: v2.versionId });
  assert.equal((await readAll(body.stream)).toString(), 'two!');

  // tags and ACL of one version change only that version
  await f.store.putTags(bucket, 'doc', { v: 'one' }, v1.versionId);
  await f.store.putAcl(bucket, 'doc', 'public-read', v1.versionId);
  const v1After = await f.store.headObject(bucket, 'doc', v1.versionId);
  const v2After = await f.store.headObject(bucket, 'doc', v2.versionId);
  assert.deepEqual([v1After?.tags, v1After?.acl], [{ v: 'one' }, 'public-read']);
  assert.deepEqual([v2After?.tags, v2After?.acl], [{}, 'default']);
  await f.store.deleteTags(bucket, 'doc', v1.versionId);
  assert.deepEqual((await f.store.headObject(bucket, 'doc', v1.versionId))?.tags, {});

  // removing the marker itself brings v2 back as the latest
  const undelete = await f.store.deleteObject(bucket, 'doc', del.versionId);
  assert.equal(undelete.versionId, del.versionId);
  assert.equal((await f.store.headObject(bucket, 'doc'))?.versionId, v2.versionId);
});

test('listKeyVersions: the chain of exactly this key, newest first, without siblings sharing the prefix', async () => {
  const a1 = await put('a', '1');
  await put('ab', 'sibling');
  await put('a/child', 'child');
  await put('a b', 'space');
  const a2 = await put('a', '22');
  const marker = await f.store.deleteObject(bucket, 'a');
  const a3 = await put('a', '333');
  await put('ab', 'sibling 2');

  const chain = await f.store.listKeyVersions(bucket, 'a');
  assert.deepEqual(chain.map((e) => [e.key, e.versionId, Boolean(e.isDeleteMarker), e.isLatest]), [
    ['a', a3.versionId, false, true],
    ['a', marker.versionId, true, false],
    ['a', a2.versionId, false, false],
    ['a', a1.versionId, false, false],
  ]);
  assert.deepEqual(chain.map((e) => e.size), [3, 0, 2, 1]);
  assert.equal(chain[0].etag, a3.etag);
  assert.deepEqual(await f.store.listKeyVersions(bucket, 'never-written'), []);
  assert.equal((await f.store.listKeyVersions(bucket, 'ab')).length, 2);
});

test('deleting one version removes it from the chain without a delete marker', async () => {
  const k1 = await put('single', 'x');
  const k2 = await put('single', 'y');
  const d = await f.store.deleteObject(bucket, 'single', k1.versionId);
  assert.equal(d.deleteMarker, false);
  assert.deepEqual((await f.store.listKeyVersions(bucket, 'single')).map((e) => e.versionId), [k2.versionId]);
  assert.equal(await f.store.headObject(bucket, 'single', k1.versionId), null);
});
