// Issue 12, item 3 end to end: versioned PUT and ALL rules replicate delete markers and version deletes as OSS
// promises. A delete marker on the source appears as a delete marker on the destination under both actions;
// a version deleted for good on the source is deleted on the destination under ALL, and under PUT writes
// nothing there. Both chains are read through an independent ali-oss client (ListObjectVersions), not the
// processor's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OssClient } from '../../../core/adapters/oss/client.ts';
import { metricSum, startStack, waitFor, type Stack } from '../../helpers/pipeline.ts';

interface Chain {
  /** Object versions, newest first as ListObjectVersions returns them, with their bytes. */
  versions: { versionId: string; isLatest: boolean; body: string }[];
  markers: string[];
  /** Whether a delete marker is the latest entry: ali-oss drops a marker's IsLatest, but exactly one entry is
   * the latest, so it is a marker when no object version is. */
  markerOnTop: boolean;
}

/** The key's chain as ListObjectVersions shows it; read again when a listed version is deleted before its GET (the processor works meanwhile). */
async function chainOf(c: OssClient, key: string): Promise<Chain> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readChain(c, key);
    } catch (err) {
      if ((err as { code?: string }).code !== 'NoSuchVersion' || attempt >= 5) throw err;
    }
  }
}

async function readChain(c: OssClient, key: string): Promise<Chain> {
  const listed = await c.getBucketVersions({ prefix: key });
  const objects = listed.objects.filter((o) => o.name === key);
  const versions = await Promise.all(objects.map(async (o) => ({
    versionId: o.versionId, isLatest: o.isLatest,
    body: (await c.get(key, { versionId: o.versionId } as object)).content.toString(),
  })));
  const markers = (listed.deleteMarker ?? []).filter((m) => m.name === key).map((m) => m.versionId);
  return { versions, markers, markerOnTop: markers.length > 0 && !versions.some((v) => v.isLatest) };
}

const bodies = (c: Chain): string[] => c.versions.map((v) => v.body);
const READS = new Set(['HeadObject', 'GetObject', 'GetObjectAcl', 'GetObjectTagging', 'ListObjectVersions', 'ListObjects', 'ListMultipartUploads', 'GetBucketVersioning', 'ListParts']);

test('versioned PUT and ALL rules: delete markers replicate under both, version deletes only under ALL (independent listings)', { timeout: 150_000 }, async (t) => {
  const stack: Stack = await startStack({
    rules: [
      { id: 'vput', source: 'vsrc-put', destination: 'vdst-put', versioned: true, action: 'PUT' },
      { id: 'vall', source: 'vsrc-all', destination: 'vdst-all', versioned: true, action: 'ALL' },
    ],
    partitions: 2,
  });
  try {
    const processing = await stack.startProcessing();
    const m = stack.metrics;
    const key = 'doc.txt';
    const rules = [
      { id: 'vput', src: stack.bucket('vsrc-put'), dst: stack.bucket('vdst-put') },
      { id: 'vall', src: stack.bucket('vsrc-all'), dst: stack.bucket('vdst-all') },
    ] as const;
    const source = (bucket: string) => stack.client('hangzhou', bucket);
    const destination = (bucket: string) => stack.client('shanghai', bucket);
    const destinationWrites = (rule: string) => metricSum(m.ossRequests, (l) => l.rule === rule && !READS.has(String(l.op)));
    const reconciles = (rule: string) => metricSum(m.reconciles, (l) => l.rule === rule);

    // Two versions on each source, replicated.
    const written: Record<string, string[]> = {};
    for (const r of rules) {
      written[r.id] = [];
      for (const body of ['one', 'two']) {
        const w = await stack.writer.hz.putObject(r.src, key, Buffer.from(body), { headers: {}, contentLength: body.length });
        written[r.id]!.push(w.versionId!);
      }
    }
    for (const r of rules) {
      await waitFor(`${r.id}: both versions replicated`, async () => bodies(await chainOf(destination(r.dst), key)).join() === 'two,one', 30_000);
    }

    // A delete marker on each source: a delete marker on each destination, on top, the versions kept.
    for (const r of rules) await stack.writer.hz.deleteObject(r.src, key);
    for (const r of rules) {
      await waitFor(`${r.id}: the delete marker replicated`, async () => {
        const d = await chainOf(destination(r.dst), key);
        return d.markers.length === 1 && d.markerOnTop && bodies(d).join() === 'two,one';
      }, 30_000);
      const s = await chainOf(source(r.src), key);
      assert.equal(s.markers.length, 1, `${r.id}: the source has its one marker`);
    }

    // The oldest version deleted for good on each source.
    const before = { writes: await destinationWrites('vput'), reconciles: await reconciles('vput'), chain: await chainOf(destination(rules[0].dst), key) };
    for (const r of rules) await stack.writer.hz.deleteObject(r.src, key, written[r.id]![0]);

    // ALL: the replica of that version goes; the marker and the other version stay.
    await waitFor('vall: the version delete replicated', async () => bodies(await chainOf(destination(rules[1].dst), key)).join() === 'two', 30_000);
    const all = await chainOf(destination(rules[1].dst), key);
    assert.equal(all.markers.length, 1);
    assert.ok(all.markerOnTop, 'vall: the delete marker is still the latest');
    assert.deepEqual(bodies(await chainOf(source(rules[1].src), key)), ['two'], 'vall: the source chain it mirrors');

    // PUT: the trigger is handled, and writes nothing on the destination.
    await waitFor('vput: the version delete reconciled', async () => (await reconciles('vput')) > before.reconciles, 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // any straggling trigger of the key has finished
    const put = await chainOf(destination(rules[0].dst), key);
    assert.deepEqual(put, before.chain, 'vput: the destination chain is unchanged (both versions and the marker, same version ids)');
    assert.deepEqual(bodies(await chainOf(source(rules[0].src), key)), ['two'], 'vput: the source lost the version');
    assert.equal(await destinationWrites('vput'), before.writes, 'vput: no write request reached the destination');
    t.diagnostic(`destination chains: vput ${JSON.stringify(put)}; vall ${JSON.stringify(all)}`);

    assert.equal(await metricSum(m.deadLetters), 0);
    assert.equal(await metricSum(m.reconciles, (l) => l.result !== 'ok'), 0);
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
