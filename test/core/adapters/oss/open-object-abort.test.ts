// An object's body broken while openObject still waits for its ACL (a partition revoked mid-reconcile
// aborts every request of the key): the body's error must reach whoever reads the stream, never crash the
// process as an 'error' event nobody listened to (a `crr process` of the 5,000-operation cluster test exited 70 so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { openObject } from '../../../../core/adapters/oss/object-ops.ts';
import type { StoreContext } from '../../../../core/adapters/oss/context.ts';

test('a body aborted before openObject returns fails the open with the classified error, and raises no uncaught error', async () => {
  const body = new PassThrough();
  let answerAcl!: (r: { status: number; headers: Record<string, string>; data: Buffer }) => void;
  const ctx = {
    timeoutMs: 1000,
    request: async (op: string) => {
      if (op === 'GetObjectAcl') return new Promise((r) => { answerAcl = r; });
      return { status: 200, headers: { 'content-length': '3', etag: '"e"', 'last-modified': 'Tue, 01 Dec 2026 08:00:00 GMT' }, res: body as unknown as IncomingMessage };
    },
    withSignal() { return ctx; },
  } as unknown as StoreContext;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const opened = openObject(ctx, 'b', 'k');
    await new Promise((r) => setImmediate(r));
    body.destroy(new Error('aborted: partition revoked'));
    await new Promise((r) => setImmediate(r));
    answerAcl({ status: 200, headers: {}, data: Buffer.from('<AccessControlPolicy><Owner><ID>1</ID></Owner><AccessControlList><Grant>private</Grant></AccessControlList></AccessControlPolicy>') });
    await assert.rejects(opened, /GetObject b\/k failed: .*aborted: partition revoked/);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(uncaught, []);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
