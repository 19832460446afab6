// New keys are copied create-only once the processor has seen that the destination lacks them: no
// destination HEAD, a PUT with x-oss-forbid-overwrite. A key the destination does have is refused by OSS
// and reconciled the usual way, so the replica still ends equal to the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { metricSum, startStack } from '../../helpers/pipeline.ts';
import { drained } from './checks.ts';

test('create-only copies skip the destination HEAD for new keys; an existing key is refused, then replaced', { timeout: 180_000 }, async () => {
  const stack = await startStack({ rules: [{ id: 'plain', source: 'src', destination: 'dst' }] });
  try {
    const processing = await stack.startProcessing();
    const src = stack.bucket('src');
    const dst = stack.bucket('dst');
    const put = (store: typeof stack.writer.hz, bucket: string, key: string, body: Buffer) =>
      store.putObject(bucket, key, body, { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: body.length });
    const KEYS = 300;
    for (let i = 0; i < KEYS; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => put(stack.writer.hz, src, `new/${i + j}`, randomBytes(100 + j))));
    }
    await stack.waitConverged(['plain'], 90_000);
    const m = stack.metrics;
    const heads = await metricSum(m.ossRequests, (l) => l.rule === 'plain' && l.op === 'HeadObject');
    const puts = await metricSum(m.ossRequests, (l) => l.rule === 'plain' && l.op === 'PutObject' && l.result === 'ok');
    assert.equal(puts, KEYS, 'one PUT per new key');
    assert.ok(heads < KEYS / 2, `most new keys were copied without a destination HEAD (${heads} HEADs for ${KEYS} keys)`);

    // The destination already has this key (stale); the source writes it. The create-only PUT is refused and
    // the usual reconcile replaces the stale replica.
    await put(stack.writer.sh, dst, 'new/stale', Buffer.from('stale on the destination'));
    await put(stack.writer.hz, src, 'new/stale', Buffer.from('fresh from the source'));
    await stack.waitConverged(['plain'], 60_000);
    await drained(stack);
    const got = await stack.writer.sh.getObject(dst, 'new/stale');
    const chunks: Buffer[] = [];
    for await (const c of got.stream) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'fresh from the source');
    assert.equal(await metricSum(m.ossRequests, (l) => l.rule === 'plain' && l.op === 'PutObject' && l.result === 'exists'), 1,
      'OSS refused exactly one create-only PUT');
    assert.equal(await metricSum(m.ossRequests, (l) => l.rule === 'plain' && l.result === 'error'), 0, 'a refusal is not an error');
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
