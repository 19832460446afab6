// Conformance: a CompleteMultipartUpload racing an AbortMultipartUpload of the same upload (a janitor, a
// restarted copier) is answered as OSS answers it — the upload completed, or 404 NoSuchUpload — never a 5xx
// (the parts vanishing under the join once gave 500 InternalError).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestOss, uniqueBucket, type TestOss } from '../../helpers/oss.ts';

let oss: TestOss;
before(async () => { oss = await startTestOss(); });
after(() => oss.stop());

test('complete and abort of one upload at once: 200 or NoSuchUpload, and the object is whole or absent', async () => {
  const name = uniqueBucket('mp-race');
  await oss.client().putBucket(name);
  const c = oss.client(name);
  const parts = [randomBytes(4 * 1024 * 1024), randomBytes(4 * 1024 * 1024), randomBytes(1024)];
  const outcomes = new Set<string>();
  for (let round = 0; round < 6; round++) {
    const key = `race-${round}`;
    const init = await c.initMultipartUpload(key);
    const done = [];
    for (const [i, p] of parts.entries()) done.push({ number: i + 1, etag: (await c.uploadPart(key, init.uploadId, i + 1, p, 0, p.length)).etag });
    // Abort while the complete joins the parts (from the second round on, a little later each time).
    const complete = c.completeMultipartUpload(key, init.uploadId, done).then(() => 'completed', (e: { status: number; code: string }) => `${e.status} ${e.code}`);
    await new Promise((r) => setTimeout(r, round * 3));
    const abort = await c.abortMultipartUpload(key, init.uploadId).then(() => 'aborted', (e: { status: number; code: string }) => `${e.status} ${e.code}`);
    const answer = await complete;
    outcomes.add(`${answer}/${abort}`);
    assert.ok(answer === 'completed' || answer === '404 NoSuchUpload', `complete answered ${answer}`);
    assert.ok(abort === 'aborted' || abort === '404 NoSuchUpload', `abort answered ${abort}`);
    if (answer === 'completed') assert.equal((await c.get(key)).content.length, 8 * 1024 * 1024 + 1024);
    else await assert.rejects(c.head(key), (e: { status: number }) => e.status === 404);
  }
  assert.ok(outcomes.size >= 1);
});
