import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffListings } from '../../../producers/poller/diff.ts';
import type { SnapshotEntry } from '../../../producers/poller/snapshot.ts';

const obj = (key: string, etag = 'e', versionId: string | null = null, isDeleteMarker = false): SnapshotEntry =>
  ({ key, etag, size: 1, lastModified: 1000, versionId, isDeleteMarker });

async function* from(entries: SnapshotEntry[]) {
  yield* entries;
}

async function diff(before: SnapshotEntry[], after: SnapshotEntry[]) {
  const out = [];
  for await (const c of diffListings(from(before), from(after))) out.push(`${c.kind} ${c.key}${c.versionId ? '@' + c.versionId : ''}`);
  return out;
}

test('unversioned: new, changed and gone keys, nothing for unchanged ones', async () => {
  const before = [obj('a'), obj('b'), obj('c'), obj('e')];
  const after = [obj('a'), obj('b', 'e2'), obj('d'), obj('e')];
  assert.deepEqual(await diff(before, after), ['PUT b', 'DELETE c', 'PUT d']);
  assert.deepEqual(await diff(after, after), []);
  assert.deepEqual(await diff([], [obj('x')]), ['PUT x']);
  assert.deepEqual(await diff([obj('x')], []), ['DELETE x']);
});

test('keys compare by UTF-8 bytes, as OSS lists them', async () => {
  // '\uFF5E' (3 UTF-8 bytes) sorts before '\u{1F600}' (4 bytes, UTF-16 surrogates) in byte order but after it in UTF-16.
  const listing = [obj('a\uFF5E'), obj('a\u{1F600}')];
  assert.deepEqual(await diff(listing, listing), []);
  assert.deepEqual(await diff([listing[0]], listing), ['PUT a\u{1F600}']);
});

test('versioned: new versions oldest first, delete markers, removed versions', async () => {
  const before = [obj('k', 'e2', 'v2'), obj('k', 'e1', 'v1')];
  const after = [obj('k', '', 'm4', true), obj('k', 'e3', 'v3'), obj('k', 'e2', 'v2')];
  assert.deepEqual(await diff(before, after), ['DELETE k@v1', 'PUT k@v3', 'DELETE_MARKER k@m4']);
  // Under suspended versioning an overwrite keeps the id "null" but changes the etag.
  assert.deepEqual(await diff([obj('k', 'a', 'null')], [obj('k', 'b', 'null')]), ['PUT k@null']);
});

test('a large listing with one change yields exactly one change', async () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => obj(`key-${String(i).padStart(6, '0')}`));
  const after = keys.map((e, i) => (i === 12_345 ? { ...e, etag: 'changed' } : e));
  assert.deepEqual(await diff(keys, after), ['PUT key-012345']);
});
