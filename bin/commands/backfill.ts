// crr backfill start|status|pause|resume|cancel: records jobs and operators' requests on the backfill-jobs
// topic and reads them back. The work itself runs in the `crr process` members (producers/backfill/owner.ts),
// so a killed planner is resumed by whichever member owns the jobs next, with no person involved.
import { randomUUID } from 'node:crypto';
import { endOffsets } from '../../core/adapters/kafka/offsets.ts';
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { CrrError } from '../../core/errors.ts';
import { isActive, newJob, progressRatio } from '../../producers/backfill/job.ts';
import { jobRow, readJobRows } from '../../producers/backfill/job-rows.ts';
import { startJobView, type JobView } from '../../core/backfill-job-view.ts';
import { encode } from '../../schemas/codec.ts';
import type { BackfillJob } from '../../schemas/types.ts';
import { readRules } from './rules.ts';
import { startRuntime, viewConsumerOpener, type Runtime } from './shared.ts';

async function withJobs<T>(rt: Runtime, fn: (view: JobView) => Promise<T>): Promise<T> {
  const view = await startJobView(viewConsumerOpener(rt, 'backfill-jobs view'), rt.config.topicNames.backfillJobs, `${rt.config.processing.groupId}-backfill-cli`);
  try {
    await view.caughtUp(BigInt((await endOffsets(rt.kafka, rt.config.topicNames.backfillJobs)).get(0) ?? '0'));
    return await fn(view);
  } finally {
    await view.stop();
  }
}

async function writeJob(rt: Runtime, job: BackfillJob): Promise<void> {
  const producer = await createProducer(rt.kafka);
  try {
    await producer.send(rt.config.topicNames.backfillJobs, [{ key: job.jobId, value: encode('BackfillJob', job) }]);
  } finally {
    await producer.disconnect();
  }
}

function line(job: BackfillJob): string {
  const row = jobRow(job, Date.now());
  const pct = row.percent === null ? 'listing' : `${row.percent}%`;
  const eta = row.etaSeconds === null ? '' : ` eta=${row.etaSeconds}s`;
  return `${job.jobId} rule=${job.ruleId} state=${job.state} ${pct} listed=${job.listed} inSync=${job.inSync} published=${job.published} done=${row.done}` +
    ` (copied=${job.copied} deleted=${job.deleted} updated=${job.updated} skipped=${job.skipped} deadLettered=${job.deadLettered})` +
    ` ${row.objectsPerSecond} obj/s ${row.bytesPerSecond} B/s${eta}${job.error ? ` error: ${job.error}` : ''}`;
}

function bar(job: BackfillJob, width = 30): string {
  const ratio = progressRatio(job) ?? 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(1).padStart(5)}% ${job.state}`;
}

async function waitDone(rt: Runtime, jobId: string): Promise<BackfillJob> {
  const view = await startJobView(viewConsumerOpener(rt, 'backfill-jobs view'), rt.config.topicNames.backfillJobs, `${rt.config.processing.groupId}-backfill-cli`);
  const tty = process.stdout.isTTY;
  let lastPrinted = 0;
  try {
    for (;;) {
      const job = view.get(jobId)?.latest;
      if (job && (tty || Date.now() - lastPrinted > 2000 || !isActive(job))) {
        process.stdout.write(tty ? `\r${bar(job)}` : `${line(job)}\n`);
        lastPrinted = Date.now();
      }
      if (job && !isActive(job)) {
        if (tty) process.stdout.write('\n');
        return job;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await view.stop();
  }
}

export async function backfillStartCommand(opts: { config: string; rule: string; prefix?: string; compare?: string; wait?: boolean }): Promise<void> {
  const rt = await startRuntime('backfill', opts.config, { serveMetrics: false });
  // The rules topic holds the bus's rules (the file's are seeded there); the file alone when the topic has none.
  const onTopic = await readRules(rt);
  const rule = onTopic.get(opts.rule)?.rule ?? (onTopic.size ? undefined : rt.config.rules.find((r) => r.id === opts.rule));
  const known = onTopic.size ? [...onTopic.keys()] : rt.config.rules.map((r) => r.id);
  if (!rule) throw new CrrError(`--rule: no rule "${opts.rule}" on the rules topic or in ${opts.config} (rules: ${known.join(', ')})`, { code: 'INVALID_CONFIG', stage: 'config' });
  const compare = (opts.compare ?? 'listing').toUpperCase();
  if (compare !== 'LISTING' && compare !== 'FULL') throw new CrrError(`--compare must be listing or full, not "${opts.compare}"`, { code: 'INVALID_CONFIG', stage: 'config' });
  const running = await withJobs(rt, async (view) => [...view.jobs().values()].map((e) => e.latest).find((j) => j.ruleId === rule.id && isActive(j)));
  if (running) throw new CrrError(`rule ${rule.id} already has backfill job ${running.jobId} (${line(running)}); cancel it or wait for it`, { code: 'BACKFILL_JOB_RUNNING', stage: 'backfill' });
  const job = newJob({ jobId: `${rule.id}-${randomUUID().slice(0, 8)}`, ruleId: rule.id, prefix: opts.prefix ?? null, compare, now: Date.now() });
  await writeJob(rt, job);
  process.stdout.write(`started backfill job ${job.jobId} for rule ${rule.id}\n`);
  if (opts.wait) {
    const end = await waitDone(rt, job.jobId);
    process.exit(end.state === 'DONE' ? 0 : 1);
  }
  process.exit(0);
}

export async function backfillStatusCommand(opts: { config: string; job?: string; rule?: string; json?: boolean }): Promise<void> {
  const rt = await startRuntime('backfill', opts.config, { serveMetrics: false });
  const rows = (await readJobRows({ openConsumer: viewConsumerOpener(rt, 'backfill-jobs view'), topic: rt.config.topicNames.backfillJobs, group: `${rt.config.processing.groupId}-backfill-cli`,
    endOffset: async () => BigInt((await endOffsets(rt.kafka, rt.config.topicNames.backfillJobs)).get(0) ?? '0') }))
    .filter((r) => (!opts.job || r.jobId === opts.job) && (!opts.rule || r.ruleId === opts.rule));
  if (opts.job && rows.length === 0) throw new CrrError(`no backfill job "${opts.job}"`, { code: 'BACKFILL_JOB_NOT_FOUND', stage: 'backfill' });
  // JSON: the job record's fields, then the derived figures.
  const json = rows.map(({ job, ...derived }) => ({ ...job, ...derived }));
  process.stdout.write(opts.json ? `${JSON.stringify(json)}\n` : rows.map((r) => `${line(r.job)}\n`).join('') || 'no backfill jobs\n');
  process.exit(0);
}

export async function backfillRequestCommand(request: 'PAUSE' | 'RESUME' | 'CANCEL', opts: { config: string; job: string }): Promise<void> {
  const rt = await startRuntime('backfill', opts.config, { serveMetrics: false });
  const job = await withJobs(rt, async (view) => view.get(opts.job)?.latest);
  if (!job) throw new CrrError(`no backfill job "${opts.job}"`, { code: 'BACKFILL_JOB_NOT_FOUND', stage: 'backfill' });
  if (!isActive(job)) throw new CrrError(`backfill job ${job.jobId} is ${job.state}: nothing to ${request.toLowerCase()}`, { code: 'INVALID_CONFIG', stage: 'backfill' });
  // The owner applies the newest request and writes the state; this record only carries the request.
  await writeJob(rt, { ...job, request, requestedAt: Date.now(), updatedAt: Date.now() });
  process.stdout.write(`${request.toLowerCase()} requested for backfill job ${job.jobId}\n`);
  process.exit(0);
}
