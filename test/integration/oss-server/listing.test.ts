// Conformance: ListObjects, ListObjectsV2 and ListObjectVersions paging over more than 2,500 keys in UTF-8
// byte order, with non-ASCII, space, `+`, `%`, `/` and 1,023-byte keys; delimiters and URL encoding.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestOss, uniqueBucket, type LooseOssClient, type TestOss, type Listed } from '../../helpers/oss.ts';

let oss: TestOss;
let bucket: string;
let keys: string[];
before(async () => {
  oss = await startTestOss();
  bucket = uniqueBucket('list');
  await oss.client().putBucket(bucket);
  const special = ['space key', 'plus+key', 'pct%25key', 'pct%key', 'dir/sub/leaf', 'dir/x', 'ünïcödé', '日本語/キー', 'emoji-😀', 'z\uFF5Ez',
    '\uE000private', 'a'.repeat(1023), `${'é'.repeat(511)}x`, 'x/'.repeat(300)];
  keys = [...special];
  for (let i = 0; i < 2550; i++) keys.push(`k/${String(i).padStart(5, '0')}${i % 7 === 0 ? ' +%ü' : ''}`);
  const c = oss.client(bucket);
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < keys.length) {
      const k = keys[next++];
      await c.put(k, Buffer.from(k.slice(0, 10)));
    }
  }));
  keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
});
after(() => oss.stop());

async function listAllV1(c: LooseOssClient, query: Record<string, string | number>): Promise<{ objects: string[]; prefixes: string[]; pages: number }> {
  const objects: string[] = [];
  const prefixes: string[] = [];
  let marker = '';
  let pages = 0;
  for (;;) {
    const r = await c.list({ ...query, marker, 'max-keys': query['max-keys'] ?? 1000 } as never, {});
    pages++;
    objects.push(...r.objects.map((o: Listed) => o.name));
    prefixes.push(...(r.prefixes ?? []));
    if (!r.isTruncated) break;
    assert.ok(r.nextMarker);
    marker = r.nextMarker as string;
  }
  return { objects, prefixes, pages };
}

for (const sig of ['v1', 'v4'] as const) {
  test(`${sig}: ListObjects pages through every key in byte order`, async () => {
    const c = oss.client(bucket, sig);
    const all = await listAllV1(c, { 'max-keys': 1000 });
    assert.equal(all.pages, 3);
    assert.deepEqual(all.objects, keys);
  });

  test(`${sig}: ListObjectsV2 pages with continuation tokens and counts keys`, async () => {
    const c = oss.client(bucket, sig);
    const seen: string[] = [];
    let token: string | undefined;
    for (;;) {
      const r = await c.listV2({ 'max-keys': '700', ...(token ? { 'continuation-token': token } : {}) } as never, {});
      assert.equal(r.keyCount, r.objects.length);
      seen.push(...r.objects.map((o: Listed) => o.name));
      if (!r.isTruncated) break;
      token = r.nextContinuationToken as string;
    }
    assert.deepEqual(seen, keys);
    const after = await c.listV2({ 'start-after': keys[10], 'max-keys': '3' } as never, {});
    assert.deepEqual(after.objects.map((o: Listed) => o.name), keys.slice(11, 14));
  });
}

test('prefix, delimiter and encoding-type=url', async () => {
  const c = oss.client(bucket);
  const top = await listAllV1(c, { delimiter: '/', 'max-keys': 5 });
  const expectedPrefixes = [...new Set(keys.filter((k) => k.includes('/')).map((k) => k.slice(0, k.indexOf('/') + 1)))];
  assert.deepEqual(top.prefixes.sort(), expectedPrefixes.sort());
  assert.deepEqual(top.objects, keys.filter((k) => !k.includes('/')));
  const dir = await c.list({ prefix: 'dir/', delimiter: '/' }, {});
  assert.deepEqual(dir.objects.map((o: Listed) => o.name), ['dir/x']);
  assert.deepEqual(dir.prefixes, ['dir/sub/']);
  const enc = await c.list({ prefix: 'p', 'encoding-type': 'url' } as never, {});
  assert.deepEqual(enc.objects.map((o: Listed) => decodeURIComponent(o.name)), ['pct%25key', 'pct%key', 'plus+key']);
  assert.equal(enc.objects[2].name, 'plus%2Bkey');
});

test('ListObjectVersions pages by key and version-id markers, with delete markers and IsLatest', async () => {
  const name = uniqueBucket('lv');
  await oss.client().putBucket(name);
  const c = oss.client(name, 'v4');
  await c.putBucketVersioning(name, 'Enabled');
  const expected: { key: string; versionId: string; marker: boolean }[][] = [];
  const vkeys = ['a', 'b b', 'c+', 'ü', 'd/e'];
  for (const k of vkeys) {
    const chain: { key: string; versionId: string; marker: boolean }[] = [];
    for (let i = 0; i < 3; i++) chain.unshift({ key: k, versionId: (await c.put(k, Buffer.from(`${k}${i}`))).res.headers['x-oss-version-id'] as string, marker: false });
    if (k !== 'c+') chain.unshift({ key: k, versionId: (await c.delete(k)).res.headers['x-oss-version-id'] as string, marker: true });
    expected.push(chain);
  }
  const order = [...expected].sort((x, y) => Buffer.compare(Buffer.from(x[0].key), Buffer.from(y[0].key))).flat();
  const seen: { key: string; versionId: string; marker: boolean; latest?: boolean }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  let pages = 0;
  for (;;) {
    const r = await c.getBucketVersions({ maxKeys: 3, ...(keyMarker ? { keyMarker } : {}), ...(versionIdMarker ? { versionIdMarker } : {}) });
    pages++;
    const items = [
      ...r.objects.map((o: Listed) => ({ key: o.name, versionId: o.versionId, marker: false, lastModified: o.lastModified })),
      ...r.deleteMarker.map((d: Listed) => ({ key: d.name, versionId: d.versionId, marker: true, lastModified: d.lastModified })),
    ];
    // ali-oss splits versions and markers; put them back in list order via the expected sequence.
    items.sort((x, y) => order.findIndex((o) => o.versionId === x.versionId) - order.findIndex((o) => o.versionId === y.versionId));
    seen.push(...items.map(({ key, versionId, marker }) => ({ key, versionId, marker })));
    if (!r.isTruncated) break;
    keyMarker = r.nextKeyMarker as string;
    versionIdMarker = r.nextVersionIdMarker as string;
  }
  assert.deepEqual(seen, order);
  assert.equal(pages, Math.ceil(order.length / 3));
  const latest = await c.getBucketVersions({ prefix: 'c' });
  assert.deepEqual(latest.objects.map((o: Listed) => o.isLatest), [true, false, false]);
  const withDelim = await c.getBucketVersions({ delimiter: '/' });
  assert.deepEqual(withDelim.prefixes, ['d/']);
  // ListObjects hides keys whose latest version is a delete marker.
  assert.deepEqual((await c.list({}, {})).objects.map((o: Listed) => o.name), ['c+']);
});
