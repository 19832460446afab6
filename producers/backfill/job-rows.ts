// The backfill jobs as rows of a progress display (`crr backfill status`, and the rows `crr status` shows
// per job): state, percent done, objects and bytes per second since the job started, and the ETA. Read
// from the backfill-jobs topic alone, so it is right with any number of processes, or none running.
import { startJobView } from '../../core/backfill-job-view.ts';
import type { OpenConsumer } from '../../core/ports/bus.ts';
import type { BackfillJob } from '../../schemas/types.ts';
import { doneCount, isActive, progressRatio } from './job.ts';

export interface JobRow {
  jobId: string;
  ruleId: string;
  state: BackfillJob['state'];
  /** 0..100 with two decimals; null while the listing runs (the total is not known yet). */
  percent: number | null;
  /** Objects accounted for: in sync by listing, plus tasks done. */
  completed: number;
  /** Objects listed so far (the total once the listing ended). */
  listed: number;
  done: number;
  objectsPerSecond: number;
  bytesPerSecond: number;
  /** Dead-lettered tasks not mended since (a replayed letter that is done no longer counts here). */
  deadLettered: number;
  /** Why the job FAILED (null otherwise). */
  error: string | null;
  /** Seconds until done at the rate so far; null when unknown (no total, or no progress yet) or finished. */
  etaSeconds: number | null;
  job: BackfillJob;
}

/** A job's row at time `now` (ms): rates are averages since the job started, up to its last record. */
export function jobRow(job: BackfillJob, now: number): JobRow {
  const ratio = progressRatio(job);
  const completed = job.inSync + doneCount(job);
  const end = isActive(job) ? now : (job.completedAt ?? job.updatedAt);
  const seconds = Math.max(0.001, (end - job.startedAt) / 1000);
  const objectsPerSecond = completed / seconds;
  const remaining = job.total === null ? null : job.inSync + job.total - completed;
  return {
    jobId: job.jobId, ruleId: job.ruleId, state: job.state, percent: ratio === null ? null : Math.floor(ratio * 10_000) / 100,
    completed, listed: job.listed, done: doneCount(job), objectsPerSecond: Math.round(objectsPerSecond * 10) / 10,
    bytesPerSecond: Math.round(job.bytesCopied / seconds), deadLettered: job.deadLettered, error: job.error,
    etaSeconds: remaining === null || !isActive(job) || objectsPerSecond === 0 ? null : Math.round(remaining / objectsPerSecond),
    job,
  };
}

/** Reads the backfill-jobs topic to its end and returns one row per job, newest first. */
export async function readJobRows(deps: { openConsumer: OpenConsumer; topic: string; group: string; endOffset: () => Promise<bigint>; now?: () => number }): Promise<JobRow[]> {
  const view = await startJobView(deps.openConsumer, deps.topic, deps.group);
  try {
    await view.caughtUp(await deps.endOffset());
    const now = (deps.now ?? Date.now)();
    return [...view.jobs().values()].map((e) => jobRow(e.latest, now)).sort((a, b) => b.job.startedAt - a.job.startedAt);
  } finally {
    await view.stop();
  }
}
