// The key-ordered consumer runner: fetched messages are queued per key and handled concurrently across
// keys (one at a time per key, in offset order); only the low watermark of finished work is committed.
import { createConsumer, type BusConsumer, type GroupAssignment, type InboundBatch, type InboundMessage } from '../../core/adapters/kafka/consumer.ts';
import type { KafkaClient } from '../../core/adapters/kafka/client.ts';
import { CrrError, describeError } from '../../core/errors.ts';
import { KeyScheduler, type Work } from './key-scheduler.ts';

export type { InboundMessage } from '../../core/adapters/kafka/consumer.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunnerMetrics {
  /** Per owned partition, at every commit tick: high watermark − committed offset, in messages. */
  onLag?(topic: string, partition: number, lag: number): void;
  onCommit?(topic: string, partition: number, offset: string): void;
  onHandled?(msg: InboundMessage, durationMs: number, ok: boolean): void;
  onAssignment?(partitions: Record<string, number[]>): void;
}

export interface RunnerOptions {
  kafka: KafkaClient;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Keys in flight at once, over all partitions of this runner (default 64). */
  concurrency?: number;
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
  /** The handler rejected: a bug-level event (handlers own retries and dead-lettering). The runner then shuts down. */
  onError?: (err: unknown, msg: InboundMessage) => void;
  metrics?: RunnerMetrics;
  logger?: (level: LogLevel, msg: string, ctx?: Record<string, unknown>) => void;
  /** Consumer-group tuning passed to the consumer. */
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxBytesPerPartition?: number;
  maxWaitTimeInMs?: number;
}

export interface RunnerStats {
  inFlight: number;
  /** Messages fetched and queued but not started. */
  buffered: number;
  /** `topic/partition` → the last offset this runner committed for a partition it owns. */
  committed: Record<string, string>;
  /** `topic/partition` → high watermark − committed (or − watermark before the first commit). */
  lag: Record<string, number>;
  paused: string[];
}

export interface Runner {
  /** Drains: stops fetching and starting work, lets in-flight work finish, commits, leaves the group. */
  stop(): Promise<void>;
  /** Settles when the runner has shut down: resolves after stop(), rejects with the error that stopped it. */
  done: Promise<void>;
  stats(): RunnerStats;
}

const partitionId = (topic: string, partition: number) => `${topic}/${partition}`;

function splitPartitionId(id: string): { topic: string; partition: number } {
  const at = id.lastIndexOf('/');
  return { topic: id.slice(0, at), partition: Number(id.slice(at + 1)) };
}

/** Null keys carry no order, so each such message is a key of its own. */
function schedulingKey(msg: InboundMessage): string {
  return msg.key === null ? `n:${msg.offset}` : `k:${msg.key.toString('latin1')}`;
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function startRunner(opts: RunnerOptions): Promise<Runner> {
  const concurrency = opts.concurrency ?? 64;
  const maxBuffered = opts.maxBufferedPerPartition ?? 5000;
  const log = opts.logger ?? (() => {});
  const metrics = opts.metrics ?? {};
  const scheduler = new KeyScheduler<InboundMessage>(concurrency);
  const controllers = new Map<Work<InboundMessage>, AbortController>();
  const committed = new Map<string, bigint>();
  const highWatermarks = new Map<string, bigint>();
  const paused = new Set<string>();
  let memberId: string | undefined;
  let stopping = false;
  let failure: { err: unknown } | undefined;
  let commitInProgress: Promise<void> | undefined;
  let shutdownPromise: Promise<void> | undefined;
  let settleDone!: (err?: { err: unknown }) => void;
  const done = new Promise<void>((resolve, reject) => {
    settleDone = (f) => (f ? reject(f.err) : resolve());
  });
  // Callers observe the failure by awaiting `done`; an unobserved one must not crash the process twice.
  done.catch(() => {});
  // Waiters for "no work in flight", used by the drain.
  let idleWaiters: (() => void)[] = [];

  const consumer: BusConsumer = await createConsumer(opts.kafka, {
    groupId: opts.groupId,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    rebalanceTimeoutMs: opts.rebalanceTimeoutMs,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    maxBytesPerPartition: opts.maxBytesPerPartition,
    maxWaitTimeInMs: opts.maxWaitTimeInMs,
  });

  function pump(): void {
    if (stopping) return;
    for (let work = scheduler.next(); work; work = scheduler.next()) launch(work);
  }

  function launch(work: Work<InboundMessage>): void {
    const controller = new AbortController();
    controllers.set(work, controller);
    const startedAt = performance.now();
    Promise.resolve()
      .then(() => opts.handle(work.item, { signal: controller.signal }))
      .then(
        () => settle(work, startedAt, undefined),
        (err: unknown) => settle(work, startedAt, { err }),
      );
  }

  function settle(work: Work<InboundMessage>, startedAt: number, rejected: { err: unknown } | undefined): void {
    const controller = controllers.get(work);
    controllers.delete(work);
    metrics.onHandled?.(work.item, performance.now() - startedAt, rejected === undefined);
    if (rejected === undefined) {
      scheduler.finish(work);
    } else if (controller?.signal.aborted) {
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
    if (scheduler.inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
    pump();
  }

  function maybeResume(id: string): void {
    if (!paused.has(id) || stopping || !scheduler.owns(id)) return;
    if (scheduler.buffered(id) > maxBuffered / 2) return;
    paused.delete(id);
    const { topic, partition } = splitPartitionId(id);
    consumer.resume(topic, [partition]);
  }

  // Newly owned partitions in their hand-over grace: their batches are held, in order, until it ends.
  const handoverGraceMs = opts.handoverGraceMs ?? 0;
  const held = new Map<string, InboundBatch[]>();

  function fence(id: string): void {
    const batches: InboundBatch[] = [];
    held.set(id, batches);
    setTimeout(() => {
      if (held.get(id) !== batches) return; // revoked (and maybe fenced anew) since
      held.delete(id);
      for (const b of batches) onBatch(b);
    }, handoverGraceMs).unref();
  }

  function onBatch(batch: InboundBatch): void {
    if (stopping) return;
    const id = partitionId(batch.topic, batch.partition);
    if (!scheduler.owns(id)) {
      log('warn', 'batch for a partition not in the last assignment: ignored', { topic: batch.topic, partition: batch.partition });
      return;
    }
    const holding = held.get(id);
    if (holding) {
      holding.push(batch);
      return;
    }
    highWatermarks.set(id, BigInt(batch.highWatermark));
    let duplicates = 0;
    for (const msg of batch.messages) {
      if (scheduler.add(id, BigInt(msg.offset), schedulingKey(msg), msg) === 'duplicate') duplicates++;
    }
    scheduler.advance(id, BigInt(batch.nextOffset));
    if (duplicates > 0) log('debug', 'redelivered messages ignored', { topic: batch.topic, partition: batch.partition, duplicates });
    // Re-pausing every time also covers a kafkajs restart, which forgets paused partitions.
    if (scheduler.buffered(id) >= maxBuffered) {
      paused.add(id);
      consumer.pause(batch.topic, [batch.partition]);
    }
    pump();
  }

  function revoke(id: string): void {
    held.delete(id);
    const dropped = scheduler.revoke(id);
    committed.delete(id);
    highWatermarks.delete(id);
    paused.delete(id);
    // Their offsets will not be committed by us any more; the signal lets handlers stop early.
    for (const [work, controller] of controllers) if (work.partition === id) controller.abort(new CrrError('partition revoked', { code: 'CRR_PARTITION_REVOKED', retriable: true }));
    log('info', 'partition revoked', { partition: id, droppedQueued: dropped });
  }

  function onAssignment(assignment: GroupAssignment): void {
    // A new member id means the group dropped us (session expired): whatever we held may have moved on.
    if (memberId !== undefined && assignment.memberId !== memberId) {
      log('warn', 'rejoined the group as a new member: dropping all partition state', { before: memberId, after: assignment.memberId });
      for (const id of scheduler.owned()) revoke(id);
    }
    memberId = assignment.memberId;
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment.partitions)) for (const p of partitions) next.add(partitionId(topic, p));
    for (const id of scheduler.owned()) if (!next.has(id)) revoke(id);
    for (const id of next) {
      const { topic, partition } = splitPartitionId(id);
      if (!scheduler.owns(id)) {
        scheduler.assign(id);
        if (handoverGraceMs > 0) fence(id);
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

  /** Commits every owned partition's watermark that moved. Call only at the start of a macrotask (see below). */
  function commitWatermarks(): Promise<void> {
    if (commitInProgress) return commitInProgress;
    // kafkajs swaps its generation and then emits GROUP_JOIN a few microtasks later; at the start of a
    // macrotask both agree, and the ownership check below and the request are built in the same tick.
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    const values = new Map<string, bigint>();
    for (const id of scheduler.owned()) {
      const mark = scheduler.watermark(id);
      const last = committed.get(id);
      if (mark === undefined || (last !== undefined && mark <= last)) continue;
      values.set(id, mark);
      offsets.push({ ...splitPartitionId(id), offset: mark.toString() });
    }
    if (offsets.length === 0) return Promise.resolve();
    commitInProgress = consumer.commit(offsets)
      .then(() => {
        for (const [id, mark] of values) {
          if (!scheduler.owns(id)) continue;
          const prev = committed.get(id);
          if (prev === undefined || mark > prev) committed.set(id, mark);
          const { topic, partition } = splitPartitionId(id);
          metrics.onCommit?.(topic, partition, mark.toString());
        }
      })
      .catch((err: unknown) => {
        // A rebalance fences the commit (ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS); the next tick retries
        // with whatever this member owns by then.
        log('warn', 'commit failed; will retry', { error: describeError(err), offsets });
      })
      .finally(() => {
        commitInProgress = undefined;
      });
    return commitInProgress;
  }

  function lagOf(id: string): number | undefined {
    const hw = highWatermarks.get(id);
    const base = committed.get(id) ?? scheduler.watermark(id);
    if (hw === undefined || base === undefined) return undefined;
    const lag = hw - base;
    return Number(lag > 0n ? lag : 0n);
  }

  function tick(): void {
    void commitWatermarks();
    consumer.heartbeat().catch(() => {
      // The fetch loop sees the same error and rejoins; nothing to do here.
    });
    if (metrics.onLag) {
      for (const id of scheduler.owned()) {
        const lag = lagOf(id);
        if (lag === undefined) continue;
        const { topic, partition } = splitPartitionId(id);
        metrics.onLag(topic, partition, lag);
      }
    }
  }

  function waitIdle(timeoutMs: number): Promise<boolean> {
    if (scheduler.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        idleWaiters = idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      idleWaiters.push(onIdle);
    });
  }

  async function drainAndLeave(): Promise<void> {
    clearInterval(timer);
    for (const id of scheduler.owned()) {
      const { topic, partition } = splitPartitionId(id);
      consumer.pause(topic, [partition]);
    }
    const drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
    if (!(await waitIdle(drainTimeoutMs))) {
      log('warn', 'drain timed out: aborting in-flight work, which will be redelivered', { inFlight: scheduler.inFlight });
      for (const c of controllers.values()) c.abort(new CrrError('runner stopping', { code: 'CRR_RUNNER_STOPPING', retriable: true }));
      await waitIdle(1000);
    }
    if (commitInProgress) await commitInProgress;
    await macrotask();
    await commitWatermarks();
    await consumer.disconnect();
  }

  function shutdown(reason?: { err: unknown }): Promise<void> {
    if (reason && !failure) failure = reason;
    if (shutdownPromise) return shutdownPromise;
    stopping = true;
    shutdownPromise = drainAndLeave()
      .catch((err: unknown) => {
        log('error', 'error while shutting down', { error: describeError(err) });
        if (!failure) failure = { err };
      })
      .finally(() => settleDone(failure));
    return shutdownPromise;
  }

  consumer.onAssignment(onAssignment);
  consumer.onCrash((err, restarting) => {
    log(restarting ? 'warn' : 'error', 'consumer crashed', { error: describeError(err), restarting });
    if (!restarting) void shutdown({ err });
  });
  const timer = setInterval(tick, opts.commitIntervalMs ?? 500);
  try {
    await consumer.subscribe(opts.topics, opts.fromBeginning ?? false);
    await consumer.run(onBatch);
  } catch (err) {
    clearInterval(timer);
    await consumer.disconnect().catch(() => {});
    throw err;
  }

  return {
    stop: async () => {
      await shutdown().catch(() => {});
    },
    done,
    stats: () => {
      const committedOut: Record<string, string> = {};
      const lag: Record<string, number> = {};
      for (const [id, offset] of committed) committedOut[id] = offset.toString();
      for (const id of scheduler.owned()) {
        const l = lagOf(id);
        if (l !== undefined) lag[id] = l;
      }
      return { inFlight: scheduler.inFlight, buffered: scheduler.queued, committed: committedOut, lag, paused: [...paused] };
    },
  };
}
