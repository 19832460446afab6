// Issue 15 "Done when": a mutual pair (a on hangzhou ⇄ b on shanghai) with writers on both sides of the same
// keys, many bodies above the multipart threshold, and two `crr process` children SIGKILLed in turn and
// restarted. Both directions' triggers of one object (and the reverse reconciles of two-way skips) run in
// different partitions, often in different members, at once: the buckets still end equal, nothing is
// dead-lettered, and every killed copy's upload is aborted after the lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../../helpers/random.ts';
import { scrape, startStack, waitFor, type ProcessorChild } from '../../helpers/pipeline.ts';
import { drained, openUploads, sampleSum, spotCheck, topicCount } from './checks.ts';
import { runWorkload } from './workload.ts';

const KILLS = Number(process.env.TWO_WAY_KILLS ?? 4);
const OPS = Number(process.env.TWO_WAY_OPS ?? 240); // per side
const KIB = 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RULES = [
  { id: 'ab', source: 'a', destination: 'b', twoWay: true },
  { id: 'ba', source: 'b', destination: 'a', sourceEndpoint: 'shanghai' as const, destinationEndpoint: 'hangzhou' as const, twoWay: true },
];
// Parts of 100 KiB above 200 KiB keep the multipart copies many and small; a killed member's partitions move
// after 6 s; a killed copy's upload is abandoned after 5 s without a part.
const PROCESSING = { multipartThresholdBytes: 200 * KIB, partSizeBytes: 100 * KIB, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000,
  abandonedUploadAgeMs: 5000 };

async function metric(p: ProcessorChild, name: string): Promise<number> {
  try {
    return sampleSum(await scrape(p.metricsUrl), name);
  } catch {
    return 0; // starting, or just killed
  }
}

test(`mutual pair, writers on both sides of the same keys, ${KILLS} SIGKILLs of two processors: equal buckets, no dead letters`, { timeout: 300_000 }, async (t) => {
  const stack = await startStack({ rules: RULES, processing: PROCESSING });
  const t0 = Date.now();
  try {
    const [a, b] = [stack.bucket('a'), stack.bucket('b')];
    const procs = [await stack.spawnProcessor(), await stack.spawnProcessor()];
    // The same 30 keys on both sides; every third operation is a 300 KiB put (a three-part copy).
    const side = { keys: 30, ops: OPS, versioned: false, bigEvery: 3, bigBytes: 300 * KIB, concurrency: 4, sharedKeys: true };
    const writes = Promise.all([
      runWorkload({ ...side, store: stack.writer.hz, bucket: a, seed: 151 }),
      runWorkload({ ...side, store: stack.writer.sh, bucket: b, seed: 152 }),
    ]);
    let writesDone: number | undefined;
    void writes.finally(() => { writesDone = Date.now() - t0; });
    const r = rng(15);
    const restarts: number[] = [];
    const moments: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const i = kill % 2;
      // Mid-work: once the victim has finished a reconcile, at a random point after.
      await waitFor('the victim to make progress', async () => (await metric(procs[i], 'crr_reconciles_total')) > 0, 30_000, 100).catch(() => {});
      await sleep(300 + r() * 1200);
      restarts.push(await metric(procs[i], 'crr_reconcile_restarts_total'));
      procs[i].child.kill('SIGKILL');
      await procs[i].exited;
      moments.push(`${((Date.now() - t0) / 1000).toFixed(1)}s${writesDone === undefined ? '' : ' (writes done)'}`);
      procs[i] = await stack.spawnProcessor();
    }
    const stats = await writes;
    t.diagnostic(`kills at ${moments.join(', ')}; writes done at ${((writesDone ?? 0) / 1000).toFixed(1)} s; ` +
      `puts ${stats[0].counts.put}+${stats[1].counts.put}, big keys ${new Set([...stats[0].bigKeys, ...stats[1].bigKeys]).size}`);
    await drained(stack);
    await stack.waitConverged(['ab', 'ba'], 120_000);
    const hz = stack.storeFor('hangzhou');
    const sh = stack.storeFor('shanghai');
    const present = await spotCheck(hz, a, sh, b, stats[0].keys);
    assert.ok(present > 0, 'some keys exist at the end');
    assert.equal(await topicCount(stack.kafka, stack.config.topicNames.deadLetter), 0, 'nothing dead-lettered');
    await waitFor('no upload left open on a or b', async () => await openUploads(hz, a) + await openUploads(sh, b) === 0, 30_000, 500);
    const live = await Promise.all(procs.map((p) => metric(p, 'crr_reconcile_restarts_total')));
    t.diagnostic(`${present} keys present; reconcile restarts (killed members, then the last two): ${[...restarts, ...live].join(', ')}; ` +
      `converged at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await stack.stop();
  }
});
