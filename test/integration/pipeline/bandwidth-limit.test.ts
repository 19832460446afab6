// destination.maxBytesPerSecond on the broker and local OSS: a rule limited to 2 MiB/s replicates 20 MiB
// (a 16 MiB multipart copy and a 4 MiB single PUT, in two processor slots at once, sharing the one limit)
// in no less than 9 s, the bound the limit sets whatever the machine's load ((20 - 2 MiB burst) / 2 MiB/s);
// an unlimited rule beside it copies the same objects (its time is reported: 7 s against 13 s on a loaded
// 2-core machine). Both rates show in the metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { metricSum, startStack, waitFor } from '../../helpers/pipeline.ts';

const MiB = 1024 * 1024;
const LIMIT = 2 * MiB;

test('a 2 MiB/s limit: 20 MiB take at least 9 s to copy; an unlimited rule beside it copies them too', { timeout: 180_000 }, async (t) => {
  const stack = await startStack({
    rules: [
      { id: 'limited', source: 'src-l', destination: 'dst-l', maxBytesPerSecond: LIMIT },
      { id: 'unlimited', source: 'src-u', destination: 'dst-u' },
    ],
    processing: { multipartThresholdBytes: 8 * MiB, partSizeBytes: 2 * MiB },
  });
  try {
    const processing = await stack.startProcessing();
    const objects = { big: randomBytes(16 * MiB), small: randomBytes(4 * MiB) };
    const done: Record<string, number> = {};
    const t0 = Date.now();
    const watch = (rule: string) => waitFor(`${rule} copied`, async () => {
      for (const [key, body] of Object.entries(objects)) {
        if ((await stack.writer.sh.headObject(stack.bucket(`dst-${rule[0]}`), key))?.size !== body.length) return false;
      }
      done[rule] = Date.now() - t0;
      return true;
    }, 120_000, 100);
    const watching = Promise.all([watch('limited'), watch('unlimited')]);
    await Promise.all(['src-l', 'src-u'].flatMap((src) => Object.entries(objects).map(([key, body]) =>
      stack.writer.hz.putObject(stack.bucket(src), key, body, { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: body.length }))));
    await watching;
    t.diagnostic(`limited: ${done.limited} ms, unlimited: ${done.unlimited} ms for 20 MiB`);
    assert.ok(done.limited >= 9000, `the limited rule took ${done.limited} ms, under the 9 s its limit allows`);
    // Only the lower bound is asserted: it holds whatever the load, while on a saturated machine CPU, not the
    // limit, can set both times (here once 53 s limited, 46 s unlimited). The unlimited time is the diagnostic.
    await stack.waitConverged(['limited', 'unlimited'], 60_000);

    const m = stack.metrics;
    assert.equal(await metricSum(m.destinationBandwidthLimit, (l) => l.rule === 'limited'), LIMIT);
    assert.equal((await m.destinationBandwidthLimit.get()).values.filter((v) => v.labels.rule === 'unlimited').length, 0, 'no limit: no gauge');
    for (const rule of ['limited', 'unlimited']) {
      assert.ok(await metricSum(m.destinationBytesSent, (l) => l.rule === rule) >= 20 * MiB, `${rule}: every byte sent is counted`);
    }
    assert.ok(await metricSum(m.ossRequests, (l) => l.rule === 'limited' && l.op === 'UploadPart' && l.result === 'ok') >= 8, 'the big object went in parts');
    assert.ok(await metricSum(m.ossRequests, (l) => l.rule === 'limited' && l.op === 'PutObject' && l.result === 'ok') >= 1, 'the small one in one PUT');
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
