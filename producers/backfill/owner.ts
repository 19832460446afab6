// Runs the backfill jobs of the bus without a person: every `crr process` member joins one consumer group on
// the single-partition backfill-jobs topic, and the member that owns the partition is the jobs' owner. It
// plans (planner.ts), counts completions exactly (done-counter.ts), applies operators' requests, and writes
// each job's record. Its transactional id is the same for every owner, so a new owner fences the old one:
// a zombie that lost the partition can never write a task or a record again.
import { groupTiming } from '../../core/group-timing.ts';
import { randomUUID } from 'node:crypto';
import type { CrrConfig } from '../../core/config/load.ts';
import { CrrError, describeError } from '../../core/errors.ts';
import type { Logger } from '../../core/logging.ts';
import type { OpenConsumer, TransactionalProducer } from '../../core/ports/bus.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { decode, encode } from '../../schemas/codec.ts';
import { objectKey } from '../../schemas/records.ts';
import type { BackfillJob, BackfillTask } from '../../schemas/types.ts';
import { DoneCounter } from './done-counter.ts';
import { doneCount, isActive, newJob, settle } from './job.ts';
import type { JobView } from '../../core/backfill-job-view.ts';
import { planJob } from './planner.ts';

export interface OwnerDeps {
  config: Pick<CrrConfig, 'rules' | 'processing' | 'topicNames' | 'topics'>;
  openConsumer: OpenConsumer;
  transactionalProducer: (transactionalId: string) => Promise<TransactionalProducer>;
  /** partition → the offset the next record gets. */
  endOffsets: (topic: string) => Promise<Map<number, string>>;
  storeFor: (endpointName: string, ruleId: string) => ObjectStore;
  view: JobView;
  logger: Logger;
  pageKeys?: number;
  /** Listing failures in a row (no page committed between them) before the job FAILS; backoff 0.5 s doubling to 30 s, about 3.5 minutes for 10. */
  planAttempts?: number;
  tickMs?: number;
  now?: () => number;
}

export interface BackfillOwner {
  /** Whether this member owns the jobs now. */
  owning(): boolean;
  stop(): Promise<void>;
}

const same = (a: BackfillJob | undefined, b: BackfillJob) => a !== undefined && JSON.stringify({ ...a, updatedAt: 0 }) === JSON.stringify({ ...b, updatedAt: 0 });

export async function startBackfillOwner(deps: OwnerDeps): Promise<BackfillOwner> {
  const { config, logger, view } = deps;
  const now = deps.now ?? Date.now;
  const topics = config.topicNames;
  const group = `${config.processing.groupId}-backfill-owner`;
  const planAttempts = deps.planAttempts ?? 10;
  const membership = await deps.openConsumer({ groupId: group, ...groupTiming(config.processing) });
  let epoch = 0;
  let current: Promise<void> = Promise.resolve();
  let owned = false;

  async function own(myEpoch: number): Promise<void> {
    const alive = () => epoch === myEpoch;
    const tx = await deps.transactionalProducer(`${config.topics.prefix}backfill-owner`);
    const doneTail = await deps.openConsumer({ groupId: `${group}-done-${randomUUID()}`, maxWaitTimeInMs: 200 });
    const counter = new DoneCounter();
    const positions = new Map<number, bigint>();
    try {
      await view.caughtUp(BigInt((await deps.endOffsets(topics.backfillJobs)).get(0) ?? '0'));
      const doneEnds = await deps.endOffsets(topics.backfillDone);
      await doneTail.subscribe([topics.backfillDone], true);
      void doneTail.run((batch) => {
        for (const m of batch.messages) {
          if (m.value) try { counter.add(decode('BackfillTaskDone', m.value)); } catch { /* not ours to count */ }
        }
        positions.set(batch.partition, BigInt(batch.nextOffset));
      });
      // Counts are written only once every done record that existed at the takeover is counted: never lower than before.
      while (alive() && [...doneEnds].some(([p, end]) => BigInt(end) > 0n && (positions.get(p) ?? 0n) < BigInt(end))) await sleep(50);
      logger.info({ jobs: view.jobs().size }, 'backfill jobs owned by this member');

      const mine = new Map<string, BackfillJob>();
      const written = new Map<string, BackfillJob>();
      const planners = new Map<string, Promise<void>>();
      const ruleMissingSince = new Map<string, number>();
      let chain: Promise<void> = Promise.resolve();
      const serial = (fn: () => Promise<void>) => (chain = chain.then(fn));
      const writeJob = (job: BackfillJob, tasks: BackfillTask[] = []) => serial(async () => {
        if (!alive()) throw new CrrError('no longer the owner', { code: 'BACKFILL_FENCED', stage: 'backfill' });
        await tx.commit([
          { topic: topics.backfill, records: tasks.map((t) => ({ key: objectKey(t.sourceBucket, t.key), value: encode('BackfillTask', t) })) },
          { topic: topics.backfillJobs, records: [{ key: job.jobId, value: encode('BackfillJob', job) }] },
        ]);
        written.set(job.jobId, job);
      });
      // The job as it should be now: the planner's fields from memory, counts from the counter, the newest request.
      const refreshed = (job: BackfillJob): BackfillJob => {
        const entry = view.get(job.jobId);
        const req = entry?.request;
        return settle({ ...job, ...counter.countsOf(job.jobId), request: req?.request ?? job.request, requestedAt: req?.requestedAt ?? job.requestedAt }, now());
      };
      // A job that cannot finish says so: FAILED with the reason, written by the loop below (it is then no longer active).
      const fail = (job: BackfillJob, reason: string) => {
        logger.error({ job: job.jobId, rule: job.ruleId, reason }, 'backfill job failed');
        mine.set(job.jobId, { ...refreshed(job), state: 'FAILED', error: reason.slice(0, 2000), completedAt: now() });
      };
      const startPlanner = (job: BackfillJob) => {
        const rule = config.rules.find((r) => r.id === job.ruleId);
        if (!rule) return; // the loop fails the job
        const source = deps.storeFor(rule.source.endpoint, rule.id);
        const destination = deps.storeFor(rule.destination.endpoint, rule.id);
        const run = (async () => {
          // Failures in a row: a page committed since the last failure starts the count again.
          let failures = 0;
          let pagesAtFailure = -1;
          while (alive()) {
            try {
              const versioned = await source.isVersioned(rule.source.bucket);
              await planJob({
                rule, source, destination, versioned, pageKeys: deps.pageKeys, now,
                current: () => refreshed(mine.get(job.jobId)!),
                shouldStop: () => !alive() || refreshed(mine.get(job.jobId)!).state !== 'PLANNING',
                commitPage: async (tasks, next) => {
                  await writeJob(next, tasks);
                  mine.set(next.jobId, next);
                },
              });
              return;
            } catch (err) {
              if (!alive() || (err instanceof CrrError && err.code === 'BACKFILL_FENCED')) return;
              const e = describeError(err);
              const pages = mine.get(job.jobId)?.pages ?? 0;
              failures = pages > pagesAtFailure && pagesAtFailure >= 0 ? 1 : failures + 1;
              pagesAtFailure = pages;
              // A bucket that is gone or refused fails the job at once; anything else once the retry budget is spent.
              if (FATAL_LISTING.has(e.code) || failures >= planAttempts) {
                return fail(mine.get(job.jobId) ?? job, `listing failed${FATAL_LISTING.has(e.code) ? '' : ` ${failures} times in a row`}: ${e.code}: ${e.message}`);
              }
              logger.warn({ job: job.jobId, failures, err: e }, 'backfill planning failed; retrying from the last committed page');
              await sleep(Math.min(30_000, 500 * 2 ** (failures - 1)));
            }
          }
        })().finally(() => planners.delete(job.jobId));
        planners.set(job.jobId, run);
      };

      // A rule with historical: true gets a job the first time the bus sees it (no job of it ever recorded): at the
      // takeover, and on any tick after (the live rules gained it from the rules topic). The jobs this owner wrote
      // count too, before the view reads them back.
      const startHistorical = async () => {
        const historical = config.rules.filter((r) => r.historical);
        if (historical.length === 0) return;
        const withJob = new Set([...written.values()].map((j) => j.ruleId));
        for (const e of view.jobs().values()) withJob.add(e.latest.ruleId);
        for (const rule of historical) {
          if (withJob.has(rule.id)) continue;
          const job = newJob({ jobId: `${rule.id}-${randomUUID().slice(0, 8)}`, ruleId: rule.id, prefix: null, compare: 'LISTING', now: now() });
          await writeJob(job);
          logger.info({ job: job.jobId, rule: rule.id }, 'historical backfill started for a new rule');
        }
      };
      while (alive()) {
        await startHistorical();
        for (const [id, entry] of view.jobs()) {
          // A job this owner just ended may still look active in the view until its last record is read back.
          const ended = written.get(id);
          if (!mine.has(id) && isActive(entry.latest) && (!ended || isActive(ended))) mine.set(id, { ...entry.planned, state: entry.planned.state === 'PAUSED' ? (entry.planned.total === null ? 'PLANNING' : 'LISTED') : entry.planned.state });
          // An ended job's dead letters replayed and done since: its record gets the mended counts (its state stays).
          // Only when the counter saw every completion (as many as the record): done records past their retention count nothing.
          const last = ended ?? entry.latest;
          const counted = counter.countsOf(id);
          if (!mine.has(id) && !isActive(last) && counter.has(id) && doneCount(counted) === doneCount(last) && counted.deadLettered < last.deadLettered) {
            await writeJob({ ...last, ...counter.countsOf(id), updatedAt: now() });
          }
        }
        for (const [id, job] of mine) {
          let next = refreshed(job);
          // The live rules may lag the job by a moment (a rule applied just before its backfill started): missing for 30 s fails it.
          const ruleKnown = config.rules.some((r) => r.id === next.ruleId);
          if (ruleKnown) ruleMissingSince.delete(id);
          else if (!ruleMissingSince.has(id)) ruleMissingSince.set(id, now());
          if (isActive(next) && !planners.has(id) && !ruleKnown && now() - ruleMissingSince.get(id)! >= RULE_GRACE_MS) {
            fail(next, `rule "${next.ruleId}" is not among the rules of the member that owns the jobs (deleted or renamed)`);
            next = mine.get(id)!;
          }
          if (next.state === 'PLANNING' && !planners.has(id)) startPlanner(next);
          if (!planners.has(id) && !same(written.get(id), next) && !same(view.get(id)?.latest, next)) {
            await writeJob({ ...next, updatedAt: now() });
            mine.set(id, next);
          }
          if (!isActive(next) && !planners.has(id)) mine.delete(id);
        }
        await sleep(deps.tickMs ?? 500);
      }
      await Promise.allSettled(planners.values());
      await chain.catch(() => {});
    } catch (err) {
      if (!(err instanceof CrrError && err.code === 'BACKFILL_FENCED')) logger.error({ err: describeError(err) }, 'backfill owner failed; waiting for the next assignment');
    } finally {
      await doneTail.stop().catch(() => {});
      await doneTail.disconnect().catch(() => {});
      await tx.disconnect().catch(() => {});
    }
  }

  membership.onAssignment((a) => {
    const gained = (a.partitions[topics.backfillJobs] ?? []).includes(0);
    if (gained === owned) return;
    owned = gained;
    const myEpoch = ++epoch;
    if (gained) current = current.then(() => own(myEpoch));
  });
  await membership.subscribe([topics.backfillJobs], false);
  void membership.run(() => {});
  return {
    owning: () => owned,
    async stop() {
      epoch++;
      owned = false;
      await current.catch(() => {});
      await membership.stop();
      await membership.disconnect();
    },
  };
}

/** Listing errors no retry mends: the job fails at once (the operator fixes the bucket or the grant and starts a new job). */
const FATAL_LISTING = new Set(['BUCKET_NOT_FOUND', 'ACCESS_DENIED', 'AUTH_FAILED']);

const RULE_GRACE_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
