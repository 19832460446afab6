// Listings page through more than 1,000 keys in UTF-8 byte order, odd keys included, and resume and filter
// exactly; version listings keep delete markers in place and split pages inside a key's chain.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ListedObject, ObjectStore } from '../../../core/ports/object-store.ts';
import { startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

const ODD_KEYS = [
  'a b', ' leading', 'trailing ', 'a+b', '100%', '%20', '%2F', 'ü', 'u', 'z', '中文/文件.txt', '😀', 'a&b<c>"d\'', '1e5', '007',
  'x/y/z', 'a?b=c#d', 'Ä', 'a~b', 'dir/', '~', '()[]{}', 'semi;colon', 'comma,key', 'back\\slash', 'über/ärger',
];

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function putAll(store: ObjectStore, bucket: string, keys: string[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      await store.putObject(bucket, key, Buffer.from(key), { headers: {}, contentLength: Buffer.byteLength(key) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function collect(pages: AsyncIterable<ListedObject[]>, maxPage: number): Promise<{ items: ListedObject[]; pages: number }> {
  const items: ListedObject[] = [];
  let count = 0;
  for await (const page of pages) {
    assert.ok(page.length > 0 && page.length <= maxPage, `page of ${page.length}`);
    items.push(...page);
    count++;
  }
  return { items, pages: count };
}

test('listObjects: 1,226 keys with odd characters in byte order, pages, startAfter and prefix', async () => {
  const bucket = await f.bucket();
  const keys = [...ODD_KEYS, ...Array.from({ length: 1200 }, (_, i) => `bulk/${String(i).padStart(4, '0')}`)];
  await putAll(f.store, bucket, keys);
  const sorted = [...keys].sort(byteOrder);

  const full = await collect(f.store.listObjects(bucket), 1000);
  assert.equal(full.pages, 2, 'the default page is 1,000 keys');
  assert.deepEqual(full.items.map((o) => o.key), sorted);
  const odd = full.items.find((o) => o.key === 'a&b<c>"d\'');
  assert.equal(odd?.size, Buffer.byteLength('a&b<c>"d\''));
  assert.match(odd?.etag ?? '', /^[0-9A-F]{32}$/);

  const paged = await collect(f.store.listObjects(bucket, { pageSize: 100 }), 100);
  assert.equal(paged.pages, Math.ceil(keys.length / 100));
  assert.deepEqual(paged.items.map((o) => o.key), sorted);

  const after = await collect(f.store.listObjects(bucket, { startAfter: 'a+b', pageSize: 7 }), 7);
  assert.deepEqual(after.items.map((o) => o.key), sorted.filter((k) => byteOrder(k, 'a+b') > 0));

  const prefixed = await collect(f.store.listObjects(bucket, { prefix: 'bulk/11', pageSize: 30 }), 30);
  assert.deepEqual(prefixed.items.map((o) => o.key), sorted.filter((k) => k.startsWith('bulk/11')));
  assert.equal(prefixed.items.length, 100);

  assert.deepEqual((await collect(f.store.listObjects(bucket, { prefix: 'nothing-here' }), 1000)).items, []);
});

test('listObjectVersions: byte order across pages, newest first within a key, delete markers in place', async () => {
  const bucket = await f.bucket({ versioned: true });
  const keys = ['a', 'a b', 'ab', 'ü', '中'];
  const expected: { key: string; versionId: string; marker: boolean }[] = [];
  for (const key of keys) {
    const chain: { key: string; versionId: string; marker: boolean }[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await f.store.putObject(bucket, key, Buffer.from(`${key}${i}`), { headers: {}, contentLength: Buffer.byteLength(`${key}${i}`) });
      chain.unshift({ key, versionId: String(w.versionId), marker: false });
    }
    if (key !== 'ab') {
      const d = await f.store.deleteObject(bucket, key);
      chain.unshift({ key, versionId: String(d.versionId), marker: true });
      if (key === 'a') {
        const w = await f.store.putObject(bucket, key, Buffer.from('again'), { headers: {}, contentLength: 5 });
        chain.unshift({ key, versionId: String(w.versionId), marker: false });
      }
    }
    expected.push(...chain);
  }
  const got = await collect(f.store.listObjectVersions(bucket, { pageSize: 2 }), 2);
  assert.deepEqual(got.items.map((e) => ({ key: e.key, versionId: String(e.versionId), marker: Boolean(e.isDeleteMarker) })), expected);
  for (const e of got.items) {
    if (e.isDeleteMarker) assert.equal(e.etag, '');
    else assert.match(e.etag, /^[0-9A-F]{32}$/);
  }
  const latest = got.items.filter((e) => e.isLatest).map((e) => e.key);
  assert.deepEqual(latest, keys);

  const after = await collect(f.store.listObjectVersions(bucket, { startAfter: 'ab' }), 1000);
  assert.deepEqual([...new Set(after.items.map((e) => e.key))], ['ü', '中']);
});
