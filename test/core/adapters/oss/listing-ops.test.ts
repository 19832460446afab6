// Listing pages are fetched one ahead (network wait overlaps the caller's work), in order, and a listing the
// caller stops early leaves no unhandled failure behind; the chain of one key fetches nothing ahead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listKeyVersions, listObjects } from '../../../../core/adapters/oss/listing-ops.ts';
import type { StoreContext } from '../../../../core/adapters/oss/context.ts';

/** An in-memory OSS endpoint for the port: `pages` ListObjectsV2 pages of two keys; page `failAt` answers an error. */
function fakeContext(pages: number, failAt = Infinity) {
  const asked: string[] = [];
  const ctx = {
    async request(op: string, _scope: unknown, params: { subres?: Record<string, string>; query?: Record<string, string | number> }) {
      const token = params.subres?.['continuation-token'] ?? params.query?.['key-marker'] ?? '0';
      asked.push(`${op}:${token}`);
      const n = Number(token);
      await new Promise((r) => setTimeout(r, 5));
      if (n >= failAt) throw new Error(`page ${n} failed`);
      const more = n + 1 < pages;
      const keys = [`k${n}a`, `k${n}b`];
      const body = op === 'ListObjectsV2'
        ? `<ListBucketResult><IsTruncated>${more}</IsTruncated>${more ? `<NextContinuationToken>${n + 1}</NextContinuationToken>` : ''}`
          + keys.map((k) => `<Contents><Key>${k}</Key><ETag>"E"</ETag><Size>1</Size></Contents>`).join('') + '</ListBucketResult>'
        : `<ListVersionsResult><IsTruncated>${more}</IsTruncated>${more ? `<NextKeyMarker>${n + 1}</NextKeyMarker>` : ''}`
          + keys.map((k) => `<Version><Key>${k}</Key><VersionId>v</VersionId><IsLatest>true</IsLatest><ETag>"E"</ETag><Size>1</Size></Version>`).join('') + '</ListVersionsResult>';
      return { status: 200, headers: {}, data: Buffer.from(body) };
    },
  } as unknown as StoreContext;
  return { ctx, asked };
}

test('ListObjectsV2: the next page is asked for before the caller gets this one, and pages come in order', async () => {
  const { ctx, asked } = fakeContext(4);
  const seen: string[] = [];
  for await (const page of listObjects(ctx, 'b')) {
    if (seen.length === 0) assert.deepEqual(asked, ['ListObjectsV2:0', 'ListObjectsV2:1'], 'page 1 in flight while page 0 is handed over');
    seen.push(...page.map((o) => o.key));
  }
  assert.deepEqual(seen, ['k0a', 'k0b', 'k1a', 'k1b', 'k2a', 'k2b', 'k3a', 'k3b']);
  assert.equal(asked.length, 4, 'no page past the last');
});

test('a failed page reaches the caller that asks for it; a caller that stopped first sees nothing unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const failing = fakeContext(4, 2);
    await assert.rejects(async () => { for await (const _ of listObjects(failing.ctx, 'b')) { /* drain */ } }, /page 2 failed/);
    const stopping = fakeContext(4, 1);
    for await (const _ of listObjects(stopping.ctx, 'b')) break; // page 1, fetched ahead, fails after this
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(stopping.asked, ['ListObjectsV2:0', 'ListObjectsV2:1']);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the version chain of one key fetches no page ahead', async () => {
  const { ctx, asked } = fakeContext(3);
  const chain = await listKeyVersions(ctx, 'b', 'k0a');
  assert.deepEqual(chain.map((v) => v.key), ['k0a']);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(asked, ['ListObjectVersions:0']);
});
