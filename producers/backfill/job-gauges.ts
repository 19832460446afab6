// The backfill gauges, set from a job record (every process that reads the jobs sets the same values).
import type { CrrMetrics } from '../../core/metrics/metrics.ts';
import type { BackfillJob } from '../../schemas/types.ts';
import { doneCount, progressRatio } from './job.ts';

export function setJobGauges(metrics: CrrMetrics, job: BackfillJob): void {
  const labels = { rule: job.ruleId, job: job.jobId };
  if (job.total !== null) metrics.backfillTotal.set(labels, job.inSync + job.total);
  metrics.backfillCompleted.set(labels, job.inSync + doneCount(job));
  metrics.backfillProgress.set(labels, progressRatio(job) ?? 0);
  metrics.backfillRunning.set(labels, job.state === 'PLANNING' || job.state === 'LISTED' ? 1 : 0);
}
