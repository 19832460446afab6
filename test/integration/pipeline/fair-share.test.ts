// Issue 12, item 7, tenant isolation beyond fast failures: a rule whose destination answers slowly (the local
// server's per-bucket latency) holds at most its share of the processor's concurrency, so a second rule's
// keys, queued behind it on the same partition, replicate while the slow rule is still at work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor } from '../../helpers/pipeline.ts';
import { topicCount } from './checks.ts';

const SLOW_KEYS = 16;
const FAST_KEYS = 6;

test('a rule whose destination answers slowly holds at most half the slots: another rule replicates meanwhile', { timeout: 180_000 }, async (t) => {
  // One partition and 4 slots: without fair shares the slow rule's 16 triggers, queued first, take every slot.
  const stack = await startStack({
    rules: [{ id: 'slow', source: 'src-slow', destination: 'dst-slow' }, { id: 'fast', source: 'src-fast', destination: 'dst-fast' }],
    partitions: 1, processing: { concurrency: 4 },
  });
  try {
    await stack.sh.setFaults({ bucketLatencyMs: { [stack.bucket('dst-slow')]: 1500 } });
    const put = (bucket: string, key: string) => stack.writer.hz.putObject(stack.bucket(bucket), key, Buffer.from(key), { headers: {}, contentLength: key.length });
    for (let i = 0; i < SLOW_KEYS; i++) await put('src-slow', `s${i}`);
    // Every slow trigger is on the changes topic before the first fast one.
    await waitFor('the slow rule\'s changes', async () => (await topicCount(stack.kafka, stack.config.topicNames.changes)) >= SLOW_KEYS, 30_000);
    for (let i = 0; i < FAST_KEYS; i++) await put('src-fast', `f${i}`);
    const processing = await stack.startProcessing();

    const sh = stack.storeFor('shanghai');
    const count = async (bucket: string) => {
      let n = 0;
      for await (const page of sh.listObjects(stack.bucket(bucket))) n += page.length;
      return n;
    };
    await waitFor('the fast rule\'s keys on its destination', async () => (await count('dst-fast')) === FAST_KEYS, 120_000);
    const slowDone = await count('dst-slow');
    t.diagnostic(`when the fast rule was done, the slow rule had ${slowDone} of ${SLOW_KEYS} keys`);
    // Without shares the fast keys start only once 13 of the 16 slow keys are done (4 slots, FIFO).
    assert.ok(slowDone <= SLOW_KEYS / 2, `the fast rule waited for the slow one: ${slowDone} slow keys were done first`);
    await stack.sh.setFaults({});
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
