// The key-ordered consumer runner: fetched messages are queued per key and handled concurrently across
// keys (one at a time per key, in offset order); only the low watermark of finished work is committed.
// Its parts: the hand-over grace (handover.ts), the commit loop (commit-loop.ts), the drain (drain.ts).
import type { BusConsumer, GroupAssignment, InboundBatch, InboundMessage } from '../../core/ports/bus.ts';
import { CrrError, describeError } from '../../core/errors.ts';
import { CommitLoop } from './commit-loop.ts';
import { drainAndLeave } from './drain.ts';
import { HandoverFence } from './handover.ts';
import { InFlight } from './in-flight.ts';
import { KeyScheduler, type SchedulerShares, type Work } from './key-scheduler.ts';
import { partitionId, splitPartitionId } from './partition-id.ts';
import { PendingProgress, type MessageProgress } from './pending-progress.ts';

export type { InboundMessage } from '../../core/ports/bus.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunnerMetrics {
  onCommit?(topic: string, partition: number, offset: string): void;
  onHandled?(msg: InboundMessage, durationMs: number, ok: boolean): void;
  onAssignment?(partitions: Record<string, number[]>): void;
  /** A revoked partition's aborted handlers have all returned: nothing of this runner works on it any more. */
  onRevokeStopped?(topic: string, partition: number, aborted: number, afterMs: number): void;
}

export interface RunnerOptions {
  /** The group member to fetch through (connected, not subscribed). The runner owns it: stop() disconnects it. */
  consumer: BusConsumer;
  topics: string[];
  fromBeginning?: boolean;
  /** Keys in flight at once, over all partitions of this runner (default 64). */
  concurrency?: number;
  /** Fair shares of `concurrency`: at most `max` keys in flight per share (e.g. per rule). */
  shares?: SchedulerShares<InboundMessage>;
  /** Pause a partition's fetching above this many taken-but-unfinished messages; resume at half (default 5000). */
  maxBufferedPerPartition?: number;
  /** How often to commit watermarks (default 500); stop() commits once more after draining. */
  commitIntervalMs?: number;
  /** How long stop() waits for in-flight work before aborting its signals (default 30 s). */
  drainTimeoutMs?: number;
  /**
   * How long a newly owned partition waits before its work starts (default 0). kafkajs 2.2.4 tells the
   * previous owner of a rebalance only when the new assignment is out, so its in-flight handlers may
   * still be writing; waiting keeps the two from handling one key at the same time.
   */
  handoverGraceMs?: number;
  handle: (msg: InboundMessage, ctx: { signal: AbortSignal }) => Promise<void>;
  /**
   * What a message holds back until it is finished (its rules, its capture time): with it, every commit
   * carries the partition's progress metadata (processors/progress-metadata.ts) for `crr status`.
   */
  progressOf?: (msg: InboundMessage) => MessageProgress | undefined;
  /** The handler rejected: a bug-level event (handlers own retries and dead-lettering). The runner then shuts down. */
  onError?: (err: unknown, msg: InboundMessage) => void;
  metrics?: RunnerMetrics;
  logger?: (level: LogLevel, msg: string, ctx?: Record<string, unknown>) => void;
}

export interface RunnerStats {
  inFlight: number;
  /** Handlers told to stop (revoke, drain timeout) that have not returned yet. */
  aborting: number;
  /** Messages fetched and queued but not started. */
  buffered: number;
  /** `topic/partition` → the last offset this runner committed for a partition it owns. */
  committed: Record<string, string>;
  /**
   * `topic/partition` → the last fetched high watermark − committed (or − watermark before the first commit):
   * an idle check for tests and tools, frozen when fetches stop. Consumer lag is the broker's (consumer-lag.ts).
   */
  lag: Record<string, number>;
  paused: string[];
}

/** What readiness needs to know of a runner's group member (processors/readiness.ts). */
export interface MemberHealth {
  /** Joined the group since the start or the last crash of its consumer. */
  member: boolean;
  /** Partitions it owns now. */
  partitions: number;
  /** When a broker last answered it (fetch, heartbeat, commit), epoch ms. */
  lastContactAt: number | undefined;
  /** When a handler last finished, or the member last got an assignment, epoch ms. */
  lastProgressAt: number;
  /** Sum over owned partitions of high watermark − committed, from the last fetched batches. */
  lag: number;
}

export interface Runner {
  /** Drains: stops fetching and starting work, lets in-flight work finish, commits, leaves the group. */
  stop(): Promise<void>;
  /** Settles when the runner has shut down: resolves after stop(), rejects with the error that stopped it. */
  done: Promise<void>;
  stats(): RunnerStats;
  health(): MemberHealth;
}

/** Null keys carry no order, so each such message is a key of its own. */
function schedulingKey(msg: InboundMessage): string {
  return msg.key === null ? `n:${msg.offset}` : `k:${msg.key.toString('latin1')}`;
}

export async function startRunner(opts: RunnerOptions): Promise<Runner> {
  const { consumer } = opts;
  const concurrency = opts.concurrency ?? 64;
  const maxBuffered = opts.maxBufferedPerPartition ?? 5000;
  const log = opts.logger ?? (() => {});
  const metrics = opts.metrics ?? {};
  const scheduler = new KeyScheduler<InboundMessage>(concurrency, opts.shares);
  const inFlight = new InFlight<InboundMessage>();
  const paused = new Set<string>();
  const progress = opts.progressOf && new PendingProgress();
  const commits = new CommitLoop(scheduler, consumer, {
    onCommit: metrics.onCommit, metadata: progress && ((id, offset) => progress.metadata(id, offset)), warn: (msg, ctx) => log('warn', msg, ctx),
  });
  const fence = new HandoverFence(opts.handoverGraceMs ?? 0, (batch) => onBatch(batch));
  let memberId: string | undefined;
  const health = { member: false, lastContactAt: undefined as number | undefined, lastProgressAt: Date.now() };
  let stopping = false;
  let failure: { err: unknown } | undefined;
  let shutdownPromise: Promise<void> | undefined;
  let settleDone!: (err?: { err: unknown }) => void;
  const done = new Promise<void>((resolve, reject) => {
    settleDone = (f) => (f ? reject(f.err) : resolve());
  });
  // Callers observe the failure by awaiting `done`; an unobserved one must not crash the process twice.
  done.catch(() => {});

  function pump(): void {
    if (stopping) return;
    for (let work = scheduler.next(); work; work = scheduler.next()) launch(work);
  }

  function launch(work: Work<InboundMessage>): void {
    const signal = inFlight.begin(work);
    const startedAt = performance.now();
    Promise.resolve()
      .then(() => opts.handle(work.item, { signal }))
      .then(
        () => settle(work, startedAt, undefined),
        (err: unknown) => settle(work, startedAt, { err }),
      );
  }

  function settle(work: Work<InboundMessage>, startedAt: number, rejected: { err: unknown } | undefined): void {
    const aborted = inFlight.end(work);
    health.lastProgressAt = Date.now();
    metrics.onHandled?.(work.item, performance.now() - startedAt, rejected === undefined);
    if (rejected === undefined) {
      progress?.finished(work.partition, work.offset, work.item);
      scheduler.finish(work);
    } else if (aborted) {
      // Aborted by a revoke or an expired drain: not done, so never committed; the owner redelivers it.
      scheduler.abandon(work);
    } else {
      scheduler.fail(work);
      const { topic, partition, offset } = work.item;
      log('error', 'handler rejected: shutting down without committing past this message',
        { topic, partition, offset, error: describeError(rejected.err) });
      try {
        opts.onError?.(rejected.err, work.item);
      } catch (hookErr) {
        log('error', 'onError hook threw', { error: describeError(hookErr) });
      }
      void shutdown({ err: rejected.err });
    }
    maybeResume(work.partition);
    pump();
  }

  function maybeResume(id: string): void {
    if (!paused.has(id) || stopping || !scheduler.owns(id)) return;
    if (scheduler.buffered(id) > maxBuffered / 2) return;
    paused.delete(id);
    const { topic, partition } = splitPartitionId(id);
    consumer.resume(topic, [partition]);
  }

  function onBatch(batch: InboundBatch): void {
    if (stopping) return;
    const id = partitionId(batch.topic, batch.partition);
    if (!scheduler.owns(id)) {
      log('warn', 'batch for a partition not in the last assignment: ignored', { topic: batch.topic, partition: batch.partition });
      return;
    }
    if (fence.hold(id, batch)) return;
    commits.fetched(id, batch.highWatermark);
    let duplicates = 0;
    for (const msg of batch.messages) {
      const added = scheduler.add(id, BigInt(msg.offset), schedulingKey(msg), msg);
      if (added === 'duplicate') duplicates++;
      else if (added !== 'not-owned') progress?.taken(id, BigInt(msg.offset), msg, opts.progressOf!(msg));
    }
    scheduler.advance(id, BigInt(batch.nextOffset));
    progress?.advanced(id, BigInt(batch.nextOffset));
    if (duplicates > 0) log('debug', 'redelivered messages ignored', { topic: batch.topic, partition: batch.partition, duplicates });
    // Re-pausing every time also covers a kafkajs restart, which forgets paused partitions.
    if (scheduler.buffered(id) >= maxBuffered) {
      paused.add(id);
      consumer.pause(batch.topic, [batch.partition]);
    }
    pump();
  }

  function revoke(id: string): void {
    fence.drop(id);
    const dropped = scheduler.revoke(id);
    commits.forget(id);
    progress?.forget(id);
    paused.delete(id);
    // Their offsets will not be committed by us any more; the signal stops their OSS requests.
    const aborted = inFlight.abort(new CrrError('partition revoked', { code: 'CRR_PARTITION_REVOKED', retriable: true }), id);
    log('info', 'partition revoked', { partition: id, droppedQueued: dropped, aborted });
    if (aborted === 0) return;
    const revokedAt = performance.now();
    void inFlight.whenStopped(id).then(() => {
      const afterMs = Math.round(performance.now() - revokedAt);
      log('info', 'revoked partition: its aborted work has stopped', { partition: id, aborted, afterMs });
      const { topic, partition } = splitPartitionId(id);
      metrics.onRevokeStopped?.(topic, partition, aborted, afterMs);
    });
  }

  function onAssignment(assignment: GroupAssignment): void {
    // A new member id means the group dropped us (session expired): whatever we held may have moved on.
    if (memberId !== undefined && assignment.memberId !== memberId) {
      log('warn', 'rejoined the group as a new member: dropping all partition state', { before: memberId, after: assignment.memberId });
      for (const id of scheduler.owned()) revoke(id);
    }
    memberId = assignment.memberId;
    health.member = true;
    health.lastProgressAt = Date.now();
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment.partitions)) for (const p of partitions) next.add(partitionId(topic, p));
    for (const id of scheduler.owned()) if (!next.has(id)) revoke(id);
    for (const id of next) {
      const { topic, partition } = splitPartitionId(id);
      if (!scheduler.owns(id)) {
        scheduler.assign(id);
        fence.fence(id);
        // kafkajs remembers pauses across assignments; a freshly owned partition starts unpaused.
        consumer.resume(topic, [partition]);
      } else if (paused.has(id) || stopping) {
        consumer.pause(topic, [partition]);
      }
      if (stopping) consumer.pause(topic, [partition]);
    }
    metrics.onAssignment?.(assignment.partitions);
    log('info', 'assignment', { memberId: assignment.memberId, partitions: [...next] });
    pump();
  }

  function shutdown(reason?: { err: unknown }): Promise<void> {
    if (reason && !failure) failure = reason;
    if (shutdownPromise) return shutdownPromise;
    stopping = true;
    shutdownPromise = drainAndLeave({
      consumer, owned: () => scheduler.owned(), inFlight, commits, timeoutMs: opts.drainTimeoutMs ?? 30_000,
      warn: (msg, ctx) => log('warn', msg, ctx),
    })
      .catch((err: unknown) => {
        log('error', 'error while shutting down', { error: describeError(err) });
        if (!failure) failure = { err };
      })
      .finally(() => settleDone(failure));
    return shutdownPromise;
  }

  consumer.onAssignment(onAssignment);
  consumer.onBrokerContact(() => {
    health.lastContactAt = Date.now();
  });
  consumer.onCrash((err, restarting) => {
    health.member = false;
    log(restarting ? 'warn' : 'error', 'consumer crashed', { error: describeError(err), restarting });
    if (!restarting) void shutdown({ err });
  });
  commits.start(opts.commitIntervalMs ?? 500);
  try {
    await consumer.subscribe(opts.topics, opts.fromBeginning ?? false);
    await consumer.run(onBatch);
  } catch (err) {
    commits.stop();
    await consumer.disconnect().catch(() => {});
    throw err;
  }

  return {
    stop: async () => {
      await shutdown().catch(() => {});
    },
    done,
    stats: () => {
      const lag: Record<string, number> = {};
      for (const id of scheduler.owned()) {
        const l = commits.lagOf(id);
        if (l !== undefined) lag[id] = l;
      }
      return { inFlight: scheduler.inFlight, aborting: inFlight.aborting, buffered: scheduler.queued, committed: commits.committedOffsets(), lag, paused: [...paused] };
    },
    health: () => {
      const owned = scheduler.owned();
      const lag = owned.reduce((n, id) => n + (commits.lagOf(id) ?? 0), 0);
      return { ...health, partitions: owned.length, lag };
    },
  };
}
