// Issue 5 "Done when", crashes: `crr process` children are SIGKILLed at random moments (mid-copy, mid-
// multipart, mid-commit, while joining) and restarted. The destination still converges, nothing reaches
// the dead-letter topic, and no multipart upload is left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scrape, startStack, waitFor, type ProcessorChild, type Stack } from '../../helpers/pipeline.ts';

// A killed member's partitions move after the session timeout (the broker's minimum is 6 s). A killed copy's
// upload is aborted once no part has landed on it for the lease (abandonedUploadAgeMs), by whichever member
// sweeps or reconciles its key next.
const GROUP_TIMING = { sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, abandonedUploadAgeMs: 5000 };
import { drained, openUploads, sampleSum, spotCheck, topicCount } from './checks.ts';
import { rng } from '../../helpers/random.ts';
import { runWorkload, type WorkloadStats } from './workload.ts';

const KILLS = Number(process.env.PIPELINE_KILLS ?? 20);
// The broker's minimum: a killed member holds its partitions this long.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RULES = [
  { id: 'plain', source: 'src', destination: 'dst' },
  { id: 'versioned', source: 'vsrc', destination: 'vdst', versioned: true },
];

/** Reconciles a child has finished so far (0 while it starts). */
async function progress(p: ProcessorChild): Promise<number> {
  try {
    return sampleSum(await scrape(p.metricsUrl), 'crr_reconciles_total');
  } catch {
    return 0;
  }
}

function workload(stack: Stack, ops: number, seed: number): Promise<WorkloadStats[]> {
  // Few writers, so the changes keep coming while processors die; big objects make kills land mid-multipart.
  return Promise.all([
    runWorkload({ store: stack.writer.hz, bucket: stack.bucket('src'), versioned: false, keys: 300, ops: Math.round(ops * 0.6), seed, bigEvery: 300, concurrency: 3 }),
    runWorkload({ store: stack.writer.hz, bucket: stack.bucket('vsrc'), versioned: true, keys: 300, ops: Math.round(ops * 0.4), seed: seed + 1, bigEvery: 300, concurrency: 2 }),
  ]);
}

async function assertClean(stack: Stack, stats: WorkloadStats[]): Promise<void> {
  await stack.waitConverged(['plain', 'versioned'], 90_000);
  const hz = stack.storeFor('hangzhou');
  const sh = stack.storeFor('shanghai');
  await spotCheck(hz, stack.bucket('src'), sh, stack.bucket('dst'), stats[0].bigKeys.concat(stats[0].keys.filter((_, k) => k % 30 === 0)));
  await spotCheck(hz, stack.bucket('vsrc'), sh, stack.bucket('vdst'), stats[1].bigKeys);
  assert.equal(await topicCount(stack.kafka, stack.config.topicNames.deadLetter), 0, 'nothing dead-lettered');
  // The janitor sweeps every 5 s: within a few sweeps of the lease every killed copy's upload is gone.
  await waitFor('no upload left open on dst and vdst', async () => await openUploads(sh, stack.bucket('dst')) + await openUploads(sh, stack.bucket('vdst')) === 0,
    30_000, 500);
}

test(`one processor SIGKILLed at ${KILLS} random moments and restarted: converges, no dead letters, no open uploads`, { timeout: 480_000 }, async (t) => {
  const stack = await startStack({ rules: RULES, processing: GROUP_TIMING });
  const t0 = Date.now();
  try {
    const r = rng(20);
    const writes = workload(stack, Number(process.env.PIPELINE_CRASH_OPS ?? 1000), 11);
    let proc = await stack.spawnProcessor();
    const moments: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const spawned = Date.now();
      let note: string;
      if (r() < 0.25) {
        // Anywhere in its life, joining included.
        await sleep(r() * 2500);
        note = 'early';
      } else {
        // While it reconciles: after its first finished reconcile, at a random point.
        await waitFor('the processor to make progress', async () => (await progress(proc)) > 0, 15_000, 100).catch(() => {});
        await sleep(r() * 1500);
        note = `${await progress(proc)} done`;
      }
      proc.child.kill('SIGKILL');
      await proc.exited;
      moments.push(`${((Date.now() - spawned) / 1000).toFixed(1)}s/${note}`);
      proc = await stack.spawnProcessor();
    }
    t.diagnostic(`kills after (s since spawn / reconciles done): ${moments.join(' ')}; at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const stats = await writes;
    await assertClean(stack, stats);
    await drained(stack);
    t.diagnostic(`converged at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await stack.stop();
  }
});

test('three processors in one group, one SIGKILLed and restarted: converges, no dead letters, no open uploads', { timeout: 300_000 }, async (t) => {
  const stack = await startStack({ rules: RULES, processing: GROUP_TIMING });
  const t0 = Date.now();
  try {
    const procs = await Promise.all([0, 1, 2].map(() => stack.spawnProcessor()));
    await waitFor('all three to start', async () => (await Promise.all(procs.map((p) => fetch(p.metricsUrl).then(() => true, () => false)))).every(Boolean), 20_000);
    const writes = workload(stack, Number(process.env.PIPELINE_GROUP_OPS ?? 800), 31);
    await waitFor('the victim to make progress', async () => (await progress(procs[1])) > 0, 30_000, 100);
    await sleep(700);
    procs[1].child.kill('SIGKILL');
    await procs[1].exited;
    procs[1] = await stack.spawnProcessor();
    const stats = await writes;
    await assertClean(stack, stats);
    await drained(stack);
    const done = await Promise.all(procs.map(progress));
    t.diagnostic(`reconciles per member after the kill: ${done.join(', ')}; converged at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(done.filter((n) => n > 0).length >= 2, 'the work was shared');
  } finally {
    await stack.stop();
  }
});
