// A backfill job's arithmetic and life cycle (pure): its new record, done counts, percent, and the state an
// operator's latest request leads to. listed = inSync + published while planning; done = published at the end.
import type { BackfillCompare, BackfillJob, BackfillJobState } from '../../schemas/types.ts';

export const TERMINAL_STATES: readonly BackfillJobState[] = ['DONE', 'CANCELLED', 'FAILED'];

export function isActive(job: BackfillJob): boolean {
  return !TERMINAL_STATES.includes(job.state) || (job.state === 'CANCELLED' && job.completedAt === null);
}

export function newJob(o: { jobId: string; ruleId: string; prefix: string | null; compare: BackfillCompare; now: number }): BackfillJob {
  return {
    jobId: o.jobId, ruleId: o.ruleId, state: 'PLANNING', prefix: o.prefix, startedAt: o.now, updatedAt: o.now, listingMarker: null, published: 0,
    total: null, error: null, compare: o.compare, listed: 0, inSync: 0, pages: 0, copied: 0, deleted: 0, updated: 0, skipped: 0, deadLettered: 0,
    bytesCopied: 0, request: null, requestedAt: null, completedAt: null,
  };
}

export function doneCount(job: Pick<BackfillJob, 'copied' | 'deleted' | 'updated' | 'skipped' | 'deadLettered'>): number {
  return job.copied + job.deleted + job.updated + job.skipped + job.deadLettered;
}

/** Objects accounted for (in sync by listing, or their task done) over objects listed; null while the listing runs. */
export function progressRatio(job: BackfillJob): number | null {
  if (job.total === null) return null;
  const listed = job.inSync + job.total;
  return listed === 0 ? 1 : (job.inSync + doneCount(job)) / listed;
}

/** The state a job is in once its latest request applies (the owner writes it back). */
export function applyRequest(job: BackfillJob): BackfillJobState {
  if (TERMINAL_STATES.includes(job.state)) return job.state;
  switch (job.request) {
    case 'CANCEL': return 'CANCELLED';
    case 'PAUSE': return 'PAUSED';
    case 'RESUME': return job.state === 'PAUSED' ? (job.total === null ? 'PLANNING' : 'LISTED') : job.state;
    default: return job.state;
  }
}

/** DONE (or a cancelled job's completion) once every published task is done and the listing is over. */
export function settle(job: BackfillJob, now: number): BackfillJob {
  const state = applyRequest(job);
  const next = { ...job, state };
  const finished = next.total !== null && doneCount(next) >= next.total;
  if (state === 'LISTED' && finished) return { ...next, state: 'DONE', completedAt: now };
  if (state === 'CANCELLED' && next.total === null) next.total = next.published;
  if (state === 'CANCELLED' && next.completedAt === null && doneCount(next) >= next.total!) next.completedAt = now;
  return next;
}
