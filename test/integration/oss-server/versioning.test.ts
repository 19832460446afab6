// Conformance: versioned chains, delete markers, reads by version id, deleting single versions, and the
// Suspended state's `null` versions; bucket operations around them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestOss, uniqueBucket, type TestOss, type Listed } from '../../helpers/oss.ts';

type OssErr = { status: number; code: string };
const is = (status: number, code?: string) => (e: OssErr) => e.status === status && (code === undefined || e.code === code);

let oss: TestOss;
before(async () => { oss = await startTestOss(); });
after(() => oss.stop());

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: bucket create, info, location, ACL, versioning, list and delete`, async () => {
    const admin = oss.client(undefined, sig);
    const name = uniqueBucket('bkt');
    await admin.putBucket(name, { StorageClass: 'IA' } as never);
    await assert.rejects(admin.putBucket(name), is(409, 'BucketAlreadyExists'));
    const info = (await admin.getBucketInfo(name)).bucket as Record<string, unknown>;
    assert.equal(info.Name, name);
    assert.equal(info.Location, oss.region);
    assert.equal(info.StorageClass, 'IA');
    assert.equal((await admin.getBucketLocation(name)).location, oss.region);
    assert.equal((await admin.getBucketACL(name)).acl, 'private');
    await admin.putBucketACL(name, 'public-read');
    assert.equal((await admin.getBucketACL(name)).acl, 'public-read');
    assert.equal((await admin.getBucketVersioning(name)).versionStatus, undefined);
    await admin.putBucketVersioning(name, 'Enabled');
    assert.equal((await admin.getBucketVersioning(name)).versionStatus, 'Enabled');
    const listed = await admin.listBuckets({ prefix: name });
    assert.deepEqual(listed.buckets?.map((b: Listed) => b.name), [name]);
    const c = oss.client(name, sig);
    await c.put('x', Buffer.from('x'));
    await c.delete('x');
    await assert.rejects(admin.deleteBucket(name), is(409, 'BucketNotEmpty'));
    const versions = await c.getBucketVersions({});
    for (const v of [...versions.objects, ...versions.deleteMarker]) await c.delete(v.name, { versionId: v.versionId });
    await admin.deleteBucket(name);
    await assert.rejects(admin.getBucketInfo(name), is(404, 'NoSuchBucket'));
  });

  test(`${sig}: a versioned chain with delete markers`, async () => {
    const name = uniqueBucket('ver');
    await oss.client(undefined, sig).putBucket(name);
    const c = oss.client(name, sig);
    const pre = await c.put('k', Buffer.from('v0'));
    assert.equal(pre.res.headers['x-oss-version-id'], undefined);
    await c.putBucketVersioning(name, 'Enabled');
    const v1 = (await c.put('k', Buffer.from('v1'))).res.headers['x-oss-version-id'] as string;
    const v2 = (await c.put('k', Buffer.from('v2'))).res.headers['x-oss-version-id'] as string;
    assert.ok(v1 && v2 && v1 !== v2 && v1 !== 'null');
    assert.equal((await c.get('k')).content.toString(), 'v2');
    assert.equal((await c.get('k', { versionId: v1 })).content.toString(), 'v1');
    assert.equal((await c.get('k', { versionId: 'null' })).content.toString(), 'v0');
    assert.equal(((await c.head('k', { versionId: v1 })).res.headers as Record<string, string>)['x-oss-version-id'], v1);

    const del = await c.delete('k');
    const h = del.res.headers as Record<string, string>;
    assert.equal(h['x-oss-delete-marker'], 'true');
    const marker = h['x-oss-version-id'];
    assert.ok(marker);
    await assert.rejects(c.get('k'), (e: OssErr & { res?: unknown }) => e.status === 404 && e.code === 'NoSuchKey');
    const raw = await fetch(c.signatureUrl('k'));
    assert.equal(raw.status, 404);
    assert.equal(raw.headers.get('x-oss-delete-marker'), 'true');
    await assert.rejects(c.get('k', { versionId: marker }), is(405, 'MethodNotAllowed'));
    await assert.rejects(c.get('k', { versionId: 'CAEQnope' }), is(404, 'NoSuchVersion'));
    assert.equal((await c.list({}, {})).objects.length, 0);

    const versions = await c.getBucketVersions({});
    assert.deepEqual(versions.objects.map((o: Listed) => [o.versionId, o.isLatest]), [[v2, false], [v1, false], ['null', false]]);
    assert.deepEqual(versions.deleteMarker.map((d: Listed) => d.versionId), [marker]);

    // Removing the marker makes the previous version current again.
    const rm = await c.delete('k', { versionId: marker });
    assert.equal((rm.res.headers as Record<string, string>)['x-oss-delete-marker'], 'true');
    assert.equal((await c.get('k')).content.toString(), 'v2');
    // Removing a version for good.
    await c.delete('k', { versionId: v2 });
    assert.equal((await c.get('k')).content.toString(), 'v1');
    await assert.rejects(c.get('k', { versionId: v2 }), is(404, 'NoSuchVersion'));

    // Tagging and ACL per version.
    await c.putObjectTagging('k', { only: 'v0' }, { versionId: 'null' });
    assert.deepEqual((await c.getObjectTagging('k', { versionId: 'null' })).tag, { only: 'v0' });
    assert.deepEqual((await c.getObjectTagging('k')).tag, {});

    // DeleteMultipleObjects makes markers and removes versions.
    const multi = await c.deleteMulti([{ key: 'k', versionId: 'null' }, 'k']);
    const byKey = multi.deleted as { Key: string; VersionId?: string; DeleteMarker?: string; DeleteMarkerVersionId?: string }[];
    assert.equal(byKey[0].VersionId, 'null');
    assert.equal(byKey[1].DeleteMarker, 'true');
    assert.ok(byKey[1].DeleteMarkerVersionId);
  });

  test(`${sig}: Suspended versioning writes and deletes the 'null' version`, async () => {
    const name = uniqueBucket('sus');
    await oss.client(undefined, sig).putBucket(name);
    const c = oss.client(name, sig);
    await c.putBucketVersioning(name, 'Enabled');
    const kept = (await c.put('s', Buffer.from('kept'))).res.headers['x-oss-version-id'] as string;
    await c.putBucketVersioning(name, 'Suspended');
    assert.equal((await c.getBucketVersioning(name)).versionStatus, 'Suspended');
    assert.equal((await c.put('s', Buffer.from('n1'))).res.headers['x-oss-version-id'], 'null');
    assert.equal((await c.put('s', Buffer.from('n2'))).res.headers['x-oss-version-id'], 'null');
    let versions = await c.getBucketVersions({});
    assert.deepEqual(versions.objects.map((o: Listed) => o.versionId), ['null', kept]);
    const del = await c.delete('s');
    assert.equal((del.res.headers as Record<string, string>)['x-oss-version-id'], 'null');
    versions = await c.getBucketVersions({});
    assert.deepEqual(versions.objects.map((o: Listed) => o.versionId), [kept]);
    assert.deepEqual(versions.deleteMarker.map((d: Listed) => d.versionId), ['null']);
    assert.equal((await c.get('s', { versionId: kept })).content.toString(), 'kept');
  });
}

test('versions and delete markers survive a restart', async () => {
  const name = uniqueBucket('vrs');
  await oss.client().putBucket(name);
  let c = oss.client(name);
  await c.putBucketVersioning(name, 'Enabled');
  const v1 = (await c.put('p', Buffer.from('one'))).res.headers['x-oss-version-id'] as string;
  await c.delete('p');
  await oss.restart();
  c = oss.client(name);
  assert.equal((await c.getBucketVersioning(name)).versionStatus, 'Enabled');
  await assert.rejects(c.get('p'), is(404, 'NoSuchKey'));
  assert.equal((await c.get('p', { versionId: v1 })).content.toString(), 'one');
});
