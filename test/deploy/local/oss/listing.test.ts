import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listObjects, listVersions, type ListSource } from '../../../../deploy/local/oss/listing.ts';
import { SortedKeys } from '../../../../deploy/local/oss/store/sorted-keys.ts';
import type { KeyRecord, ObjectVersion } from '../../../../deploy/local/oss/store/types.ts';

function version(id: string, deleteMarker = false): ObjectVersion {
  return { versionId: id, deleteMarker, lastModified: 0, owner: 'o', size: 1, etag: 'E', crc64: '0', type: 'Normal', headers: {}, meta: {}, acl: 'default', tags: [], storageClass: 'Standard' };
}

function source(entries: Record<string, ObjectVersion[]>): ListSource {
  const keys = new SortedKeys();
  const objects = new Map<string, KeyRecord>();
  for (const [key, versions] of Object.entries(entries)) {
    keys.insert(key);
    objects.set(key, { key, versions });
  }
  return { keys, objects };
}

const names = (page: ReturnType<typeof listObjects>) => page.entries.map((e) => (e.kind === 'prefix' ? `P:${e.prefix}` : e.key));

test('keys come out in UTF-8 byte order, not UTF-16 order', () => {
  // U+FF5E sorts after U+E000 in UTF-16 but before a surrogate pair; in UTF-8 the emoji (F0...) is last.
  const src = source({ '\u{1F600}': [version('null')], '\uFF5E': [version('null')], '\uE000': [version('null')], z: [version('null')] });
  assert.deepEqual(names(listObjects(src, { prefix: '', delimiter: '', marker: '', maxKeys: 10 })), ['z', '\uE000', '\uFF5E', '\u{1F600}']);
});

test('delimiter rolls keys up into common prefixes across pages, skipping prefixes of only deleted keys', () => {
  const src = source({
    'a/1': [version('null')], 'a/2': [version('null')], 'b/x/y': [version('null')], c: [version('null')],
    'd/gone': [version('m', true), version('v')], e: [version('null')],
  });
  const q = { prefix: '', delimiter: '/', marker: '', maxKeys: 2 };
  const p1 = listObjects(src, q);
  assert.deepEqual(names(p1), ['P:a/', 'P:b/']);
  assert.equal(p1.truncated, true);
  assert.equal(p1.nextKeyMarker, 'b/');
  const p2 = listObjects(src, { ...q, marker: p1.nextKeyMarker as string });
  assert.deepEqual(names(p2), ['c', 'e']);
  assert.equal(p2.truncated, false);
});

test('version listing resumes inside a key from the version-id marker', () => {
  const src = source({ a: [version('a3'), version('a2'), version('a1')], b: [version('bm', true), version('b1')] });
  const q = { prefix: '', delimiter: '', marker: '', versionIdMarker: '', maxKeys: 2 };
  const p1 = listVersions(src, q);
  assert.deepEqual(p1.entries.map((e) => (e.kind === 'object' ? e.version.versionId : '')), ['a3', 'a2']);
  assert.equal(p1.nextKeyMarker, 'a');
  assert.equal(p1.nextVersionIdMarker, 'a2');
  const p2 = listVersions(src, { ...q, marker: 'a', versionIdMarker: 'a2' });
  assert.deepEqual(p2.entries.map((e) => (e.kind === 'object' ? [e.version.versionId, e.isLatest] : [])), [['a1', false], ['bm', true]]);
  const p3 = listVersions(src, { ...q, marker: p2.nextKeyMarker as string, versionIdMarker: p2.nextVersionIdMarker as string });
  assert.deepEqual(p3.entries.map((e) => (e.kind === 'object' ? e.version.versionId : '')), ['b1']);
  assert.equal(p3.truncated, false);
});
