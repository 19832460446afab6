// The `crr process` members of a backfill test, and the kills the issue asks for: the planner (the member
// that owns the backfill jobs) SIGKILLed twice mid-listing, then a worker (a member that does not own them)
// SIGKILLed while tasks are done. Every victim is replaced by a fresh member, so the group keeps its size.
import assert from 'node:assert/strict';
import type { LocalStack, ProcessorChild } from '../../deploy/local/stack.ts';
import type { BackfillJob } from '../../schemas/types.ts';
import { waitFor } from './pipeline.ts';

const OWNS_JOBS = 'backfill jobs owned by this member';

export interface BackfillMembers {
  /** Every member ever spawned, the killed ones included (for diagnostics and the final stop). */
  readonly spawned: ProcessorChild[];
  /** Waits for the live member that owns the backfill jobs. */
  owner(): Promise<ProcessorChild>;
}

export interface KillPlan {
  job: () => BackfillJob | undefined;
  /** Tasks done so far, as the test counts them. */
  done: (job: BackfillJob) => number;
  /** Tasks to be done between two worker kills. */
  tasksBetweenKills: number;
  workerKills: number;
}

export async function startBackfillMembers(stack: LocalStack, count = 2): Promise<BackfillMembers & { kill(plan: KillPlan): Promise<string[]> }> {
  // The listing is slowed until the planner has been killed twice: a quiet machine lists a test's keys in
  // about a second, faster than two owner failovers. Until the kills begin (the test still starts its job),
  // a page takes 2 s more; during them 300 ms, in both regions.
  const slowListing = (ms: number) => Promise.all(Object.values(stack.regions).map((r) =>
    r.setFaults(ms ? { operationLatencyMs: { ListObjectsV2: ms, ListObjectVersions: ms } } : {})));
  await slowListing(2000);
  const spawned: ProcessorChild[] = [];
  const spawn = async () => {
    const c = await stack.spawnProcessor({ env: { CRR_LOG_LEVEL: 'info' } });
    spawned.push(c);
    return c;
  };
  const live: ProcessorChild[] = [];
  for (let i = 0; i < count; i++) live.push(await spawn());
  /** SIGKILLs a member, notes the moment (before a replacement can move the job on), and replaces it. */
  const replace = async (victim: ProcessorChild, note: () => string, kills: string[]) => {
    victim.child.kill('SIGKILL');
    await victim.exited;
    kills.push(note());
    live[live.indexOf(victim)] = await spawn();
  };
  const owner = async () => {
    let found: ProcessorChild | undefined;
    await waitFor('a member to own the backfill jobs', () => {
      found = live.find((p) => p.child.exitCode === null && p.child.signalCode === null && p.output().includes(OWNS_JOBS));
      return found !== undefined;
    }, 60_000, 100);
    return found!;
  };

  /** Runs the kills; returns a line per kill ("planner at page 4", "worker at done 81"). */
  const kill = async ({ job, done, tasksBetweenKills, workerKills }: KillPlan): Promise<string[]> => {
    const kills: string[] = [];
    await slowListing(300);
    for (let k = 0; k < 2; k++) {
      const victim = await owner();
      const pagesBefore = job()?.pages ?? 0;
      await waitFor('the planner to commit pages', () => (job()?.pages ?? 0) >= pagesBefore + 2, 60_000, 20);
      assert.equal(job()!.state, 'PLANNING', 'killed mid-listing');
      await replace(victim, () => `planner at page ${job()!.pages}`, kills);
    }
    await slowListing(0);
    const doneNow = () => { const j = job(); return j ? done(j) : 0; };
    for (let k = 0; k < workerKills; k++) {
      const before = doneNow();
      await waitFor('tasks to be done', () => doneNow() >= before + tasksBetweenKills || job()?.state === 'DONE', 120_000, 50);
      if (job()?.state === 'DONE') break;
      const worker = live.find((p) => !p.output().includes(OWNS_JOBS)) ?? live[0]!;
      await replace(worker, () => `worker at done ${doneNow()}`, kills);
    }
    return kills;
  };
  return { spawned, owner, kill };
}
