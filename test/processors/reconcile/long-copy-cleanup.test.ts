// Issue 15 item 3: a long multipart copy outlives the lease by its initiation time, while another member runs
// the key's left-upload cleanup and the janitor over and over. The copy keeps writing parts, so its upload is
// live: it is never aborted, and the copy completes without a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../core/logging.ts';
import { abortLeftUploads } from '../../../processors/reconcile/copy-object.ts';
import { reconcileKey, type ReconcileContext, type RestartReason } from '../../../processors/reconcile/reconcile-key.ts';
import { abortAbandonedUploads } from '../../../processors/upload-janitor.ts';
import { fakeRegistry } from '../../helpers/upload-registry.ts';
import { bytes, readAll, startStoreFixture, type StoreFixture } from '../../integration/oss-adapter/fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

const PART = 100 * 1024;
const LEASE_MS = 2500;
const quiet = createLogger('test', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));

test('a copy slower than the lease completes while another member\'s cleanup and janitor keep sweeping its key', { timeout: 60_000 }, async () => {
  const [src, dst] = [await f.bucket(), await f.bucket()];
  const body = bytes(10 * PART + 99, 5);
  await f.store.putObject(src, 'data/long.bin', body, { headers: {}, contentLength: body.length });
  f.oss.server.setFaults({ bucketLatencyMs: { [dst]: 350 } }); // every destination request, each part included, takes 350 ms more
  const registry = fakeRegistry();
  const copier = registry.member('copier', LEASE_MS);
  const other = registry.member('other', LEASE_MS);
  const restarts: RestartReason[] = [];
  const ctx: ReconcileContext = {
    rule: { id: 'r', sourceBucket: src, destinationBucket: dst, action: 'ALL' },
    multipartThresholdBytes: 2 * PART, partSizeBytes: PART, partConcurrency: 1, versioned: false,
    source: f.store, sourceBucket: src, destination: f.store, destinationBucket: dst,
    uploads: { leases: copier, rule: 'r' }, onRestart: (reason) => restarts.push(reason),
  };
  const t0 = Date.now();
  let done = false;
  const copy = reconcileKey(ctx, 'data/long.bin', { kind: 'REALTIME', operation: 'PUT', size: body.length }).finally(() => { done = true; });
  let sweeps = 0;
  let sawOurs = false;
  while (!done) {
    await abortAbandonedUploads([{ store: f.store, bucket: dst, prefixes: ['data/'] }], other, Date.now(), quiet);
    await abortLeftUploads({ destination: f.store, destinationBucket: dst, uploads: { leases: other, rule: 'r' } }, 'data/long.bin');
    sawOurs ||= other.recordsOf(dst).some((r) => r.key === 'data/long.bin');
    sweeps++;
  }
  const result = await copy;
  const elapsed = Date.now() - t0;
  f.oss.server.setFaults({});
  assert.ok(elapsed > LEASE_MS + 1000, `the copy outlived the lease (${elapsed} ms)`);
  assert.ok(sawOurs, 'the other member knew the upload as this tool\'s (a candidate for cleanup)');
  assert.ok(sweeps >= 3, `cleanup ran during the copy (${sweeps} sweeps)`);
  assert.equal(result.action, 'COPY');
  assert.deepEqual(restarts, [], 'the upload was never aborted under the copy');
  assert.ok((await readAll((await f.store.getObject(dst, 'data/long.bin')).stream)).equals(body));
  assert.deepEqual(await f.store.listMultipartUploads(dst), []);
  assert.deepEqual(registry.log.at(-1)?.value, null, 'the finished copy\'s record is tombstoned');
});
