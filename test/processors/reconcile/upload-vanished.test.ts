// Issue 15 item 2: a multipart copy whose own upload is aborted under it (another actor's cleanup, or the
// janitor after the lease ran out) reconciles the key again from the start: the copy lands, the restart is
// reported with its reason, and nothing fails (so nothing is dead-lettered).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { reconcileKey, type ReconcileContext, type RestartReason } from '../../../processors/reconcile/reconcile-key.ts';
import { bytes, readAll, startStoreFixture, type StoreFixture } from '../../integration/oss-adapter/fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

const PART = 100 * 1024;

/** The destination store, with `before` run ahead of the n-th call of `op` (1-based). */
function intercepted(store: ObjectStore, op: 'uploadPart' | 'completeMultipart', n: number, before: (uploadId: string) => Promise<void>): ObjectStore {
  let calls = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== op || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (++calls === n) await before(args[2] as string);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

for (const op of ['uploadPart', 'completeMultipart'] as const) {
  test(`NoSuchUpload on ${op} mid-copy: the key is reconciled again and the copy lands`, async () => {
    const [src, dst] = [await f.bucket(), await f.bucket()];
    const body = bytes(3 * PART + 777, op.length);
    await f.store.putObject(src, 'big.bin', body, { headers: {}, contentLength: body.length });
    let aborted = 0;
    const destination = intercepted(f.store, op, op === 'uploadPart' ? 2 : 1, async (uploadId) => {
      await f.store.abortMultipart(dst, 'big.bin', uploadId);
      aborted++;
    });
    const restarts: RestartReason[] = [];
    const ctx: ReconcileContext = {
      rule: { id: 'r', sourceBucket: src, destinationBucket: dst, action: 'ALL' },
      multipartThresholdBytes: 2 * PART, partSizeBytes: PART, partConcurrency: 1, versioned: false,
      source: f.store, sourceBucket: src, destination, destinationBucket: dst,
      onRestart: (reason) => restarts.push(reason),
    };
    const result = await reconcileKey(ctx, 'big.bin', { kind: 'REALTIME', operation: 'PUT', size: body.length });
    assert.equal(aborted, 1, 'the upload was aborted under the copy once');
    assert.equal(result.action, 'COPY');
    assert.deepEqual(restarts, ['upload-vanished']);
    const copied = await f.store.getObject(dst, 'big.bin');
    assert.ok((await readAll(copied.stream)).equals(body), 'the destination holds the source bytes');
    assert.deepEqual(await f.store.listMultipartUploads(dst), [], 'no upload left open');
  });
}
