// The processor's message handler: decode a trigger, reconcile its key under every rule it names
// (each rule on its own, so one failing rule never holds back another), retry with backoff, and
// after the budget park the trigger in the dead-letter topic. Outcomes and dead letters are
// acknowledged by Kafka before the handler returns, so before the offset can be committed; a broker
// outage only delays them.
import { randomUUID } from 'node:crypto';
import type { CoalescingPublisher, TopicRecords } from '../core/coalescing-publisher.ts';
import type { RuleConfig } from '../core/config/schema.ts';
import { CrrError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/logging.ts';
import type { InboundMessage, OutgoingRecord } from '../core/ports/bus.ts';
import type { CrrMetrics } from '../core/metrics/metrics.ts';
import { BUS_PUBLISH_RETRY, withRetry, type RetryPolicy } from '../core/retry.ts';
import { RuleIndex } from '../core/rule-index.ts';
import { decode } from '../schemas/codec.ts';
import { oppositeChange, outcomeRecord } from '../schemas/records.ts';
import { newChange } from '../schemas/records.ts';
import type { BackfillTask, BackfillTaskResult, ObjectChange, ReplicationOutcome, ReplicationTrigger } from '../schemas/types.ts';
import type { DeadLetters } from './dead-letter.ts';
import { bindSignal, reconcileKey, type ReconcileResult } from './reconcile/reconcile-key.ts';
import type { Trigger } from './reconcile/types.ts';
import type { MessageProgress } from './runner/pending-progress.ts';
import type { RuleContexts } from './rule-context.ts';
import type { RuleGate } from './rule-gate.ts';
import { VERSIONING_REASON } from './versioning-check.ts';

export interface ProcessorOptions {
  rules: RuleConfig[];
  contexts: RuleContexts;
  outcomes: CoalescingPublisher;
  deadLetters: DeadLetters;
  metrics: CrrMetrics;
  logger: Logger;
  retryPolicy: RetryPolicy;
  /** Halted rules' triggers wait here (see rule-gate.ts); without it a versioning mismatch dead-letters. */
  gate?: RuleGate;
  now?: () => number;
}

export interface Processor {
  /**
   * Reconciles the trigger under each of its rules. `signal` (the runner's) stops every OSS request of it;
   * the handler then rejects with no dead letter and no outcome: the work was given up, not failed, and the
   * partition's new owner does it again.
   */
  handle(msg: InboundMessage, signal?: AbortSignal): Promise<void>;
  /**
   * The rules a trigger is for and its capture time, read when it is fetched: what it holds back of the
   * replicated-until watermark until it is handled (the runner's progressOf). Undecodable: undefined.
   */
  progressOf(msg: InboundMessage): MessageProgress | undefined;
  /**
   * Reconciles one backfill task's key under its rule (trigger BACKFILL), with the same retries, outcomes and
   * dead letters as a change, then publishes its outcome and the records `end` gives for what it did (the
   * task's done record) in one produce request; resolves with what it did once Kafka acknowledged them.
   * Backfill work never moves the real-time watermark or the real-time delay histogram.
   */
  reconcileTask(msg: InboundMessage, task: BackfillTask, signal: AbortSignal | undefined, end: (done: TaskEnd) => TopicRecords): Promise<TaskEnd>;
  /** The rules from now on (the rules topic changed): triggers fetched later match them; a removed rule's waiting triggers end. */
  setRules(rules: readonly RuleConfig[]): void;
}

export interface TaskEnd { result: BackfillTaskResult; bytes: number }

const TASK_RESULT: Record<string, BackfillTaskResult> = {
  COPY: 'COPIED', DELETE: 'DELETED', DELETE_MARKER: 'DELETED', UPDATE_ATTRIBUTES: 'UPDATED', SKIP: 'SKIPPED', DEAD_LETTERED: 'DEAD_LETTERED',
};


/**
 * The rule's context is built once and shared (its versioning probe serves every key), so one trigger's abort
 * does not stop it: the trigger just stops waiting for it.
 */
function unlessAborted<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return shared;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function triggerKind(change: ObjectChange): ReplicationTrigger {
  return change.captureSource === 'REPLAY' ? 'REPLAY' : change.captureSource === 'REPAIR' ? 'REPAIR' : 'REALTIME';
}

export function createProcessor(opts: ProcessorOptions): Processor {
  const now = opts.now ?? Date.now;
  const { metrics, logger } = opts;
  let byId = new Map<string, RuleConfig>();
  let index = new RuleIndex<RuleConfig>([]);
  // Two-way pairs: the rule in the opposite direction of each rule, if configured.
  let reverseOf = new Map<string, RuleConfig>();
  const setRules = (rules: readonly RuleConfig[]) => {
    byId = new Map(rules.map((r) => [r.id, r]));
    index = new RuleIndex(rules);
    reverseOf = new Map();
    for (const r of rules) {
      const back = rules.find((o) => o.twoWay && r.twoWay && o.source.bucket === r.destination.bucket && o.destination.bucket === r.source.bucket);
      if (back) reverseOf.set(r.id, back);
    }
  };
  setRules(opts.rules);
  // Decoded at fetch for progressOf, kept until handled so the trigger is decoded once; its progress entry
  // loses each rule as that rule's reconcile ends.
  const decoded = new WeakMap<InboundMessage, ObjectChange>();
  const progressByMessage = new WeakMap<InboundMessage, MessageProgress>();

  const rulesOf = (change: ObjectChange): RuleConfig[] => {
    const named = change.ruleIds.map((id) => byId.get(id)).filter((r): r is RuleConfig => r !== undefined);
    return named.length ? named : index.match(change.sourceBucket, change.key);
  };

  /** Publishes to Kafka until acknowledged (BUS_PUBLISH_RETRY): a broker outage is no reason to fail the trigger. */
  function untilPublished(what: string, send: () => Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    return withRetry(send, {
      policy: BUS_PUBLISH_RETRY, signal, isRetriable: () => true,
      onRetry: (err, attempt, delayMs) => logger.warn({ attempt, delayMs, err: describeError(err) }, `${what} not acknowledged by Kafka; retrying`),
    });
  }

  /** Publishes one outcome, or (a backfill task's) adds it to `deferred`, published with the task's done record. */
  async function publishOutcome(o: Omit<ReplicationOutcome, 'outcomeId'>, signal: AbortSignal | undefined, deferred?: OutgoingRecord[]): Promise<void> {
    const record = outcomeRecord({ outcomeId: randomUUID(), ...o });
    if (deferred) return void deferred.push(record);
    await untilPublished('outcome', () => opts.outcomes.publish([record]), signal);
  }

  function park(msg: InboundMessage, reason: Parameters<DeadLetters['park']>[1], signal: AbortSignal | undefined): Promise<void> {
    return untilPublished('dead letter', () => opts.deadLetters.park(msg, reason), signal);
  }

  async function reconcileRule(msg: InboundMessage, change: ObjectChange, rule: RuleConfig, signal: AbortSignal | undefined, depth = 0,
    kind: ReplicationTrigger = triggerKind(change), deferred?: OutgoingRecord[]): Promise<{ action: string; bytes: number }> {
    const realtime = kind !== 'BACKFILL';
    const trigger: Trigger = { kind, operation: change.operation, eventTime: change.eventTime, versionId: change.versionId,
      origin: change.origin, size: change.size };
    let attempts = 0;
    const common = { ruleId: rule.id, sourceBucket: rule.source.bucket, destinationBucket: rule.destination.bucket, key: change.key,
      trigger: trigger.kind, eventTime: change.eventTime };
    try {
      const attempt = () => withRetry(async () => {
        attempts++;
        const ctx = bindSignal(await unlessAborted(opts.contexts.get(rule.id), signal), signal);
        return reconcileKey({ ...ctx, onRestart: (reason) => metrics.reconcileRestarts.inc({ rule: rule.id, reason }) }, change.key, trigger);
      }, {
        policy: opts.retryPolicy,
        signal,
        onRetry: (err, attempt, delayMs) => logger.warn({ rule: rule.id, key: change.key, attempt, delayMs, err: describeError(err) }, 'reconcile failed; retrying'),
      });
      let result: ReconcileResult;
      for (;;) {
        // A halted rule's trigger waits here, holding its key: no retries burnt, no dead letter.
        await opts.gate?.wait(rule.id, signal);
        // Deleted while it waited (or before): the rule's processing stops, the trigger is done.
        if (!byId.has(rule.id)) {
          metrics.reconciles.inc({ rule: rule.id, op: 'none', result: 'no_rule' });
          return { action: 'NONE', bytes: 0 };
        }
        try {
          result = await attempt();
          break;
        } catch (err) {
          const halts = opts.gate && err instanceof CrrError && err.code === 'VERSIONING_MISMATCH' && !signal?.aborted;
          if (!halts) throw err;
          // Seen before the periodic check saw it: halt now; the check resumes the rule once the buckets agree.
          if (opts.gate!.isOpen(rule.id)) logger.error({ rule: rule.id, err: err.message }, 'rule halted: its triggers wait until the buckets agree');
          opts.gate!.halt(rule.id, VERSIONING_REASON, err.message);
        }
      }
      const done = now();
      if (result.skippedKms) {
        // Not replicated by the rule's choice (as OSS without SseKmsEncryptedObjects): counted and reported, not retried.
        metrics.reconciles.inc({ rule: rule.id, op: 'none', result: 'skipped_kms' });
        await publishOutcome({ ...common, action: 'NONE', result: 'SKIPPED_KMS', bytes: 0, sourceEtag: result.sourceEtag,
          sourceVersionId: result.sourceVersionId, destinationVersionId: null, completedAt: done, delayMs: null, attempts,
          errorCode: 'SSE_KMS_NOT_REPLICATED', errorMessage: `the source object is SSE-KMS encrypted and rule ${rule.id} does not set replicateSseKms with a replicaKmsKeyId` }, signal, deferred);
        if (result.action === 'SKIP') return { action: result.action, bytes: 0 };
      }
      metrics.reconciles.inc({ rule: rule.id, op: result.action.toLowerCase(), result: 'ok' });
      if (realtime) metrics.replicationDelay.observe({ rule: rule.id }, Math.max(0, done - change.eventTime) / 1000);
      // A two-way skip that saw differences means the other side holds the newer write: reconcile the
      // key in the opposite direction, so changes made on a replica (tags, ACL, same-second ties) travel back.
      const reverse = reverseOf.get(rule.id);
      if (result.action === 'SKIP' && reverse && result.differences?.length && depth === 0) {
        const opposite = oppositeChange(change, { id: reverse.id, sourceBucket: reverse.source.bucket });
        await reconcileRule(msg, opposite, reverse, signal, depth + 1, triggerKind(opposite), deferred);
      }
      if (result.action !== 'SKIP') {
        metrics.bytesCopied.inc({ rule: rule.id }, result.bytes);
        await publishOutcome({ ...common, action: result.action, result: 'OK', bytes: result.bytes, sourceEtag: result.sourceEtag,
          sourceVersionId: result.sourceVersionId, destinationVersionId: result.destinationVersionId, completedAt: done,
          delayMs: Math.max(0, done - change.eventTime), attempts, errorCode: null, errorMessage: null }, signal, deferred);
      }
      return { action: result.action, bytes: result.bytes };
    } catch (err) {
      if (signal?.aborted) throw err; // given up, not failed: not a dead letter
      const e = describeError(err);
      const stage = err instanceof CrrError && err.stage ? err.stage : 'reconcile';
      logger.error({ rule: rule.id, key: change.key, attempts, err: e }, 'reconcile failed for good; parking the trigger in the dead-letter topic');
      await park(msg, { stage, error: err, ruleId: rule.id, attempts, now: now() }, signal);
      metrics.deadLetters.inc({ rule: rule.id, stage });
      metrics.reconciles.inc({ rule: rule.id, op: 'none', result: 'dead_lettered' });
      await publishOutcome({ ...common, action: 'NONE', result: 'DEAD_LETTERED', bytes: 0, sourceEtag: change.etag, sourceVersionId: change.versionId,
        destinationVersionId: null, completedAt: now(), delayMs: null, attempts, errorCode: e.code, errorMessage: e.message.slice(0, 1000) }, signal, deferred);
      return { action: 'DEAD_LETTERED', bytes: 0 };
    }
  }

  async function reconcileTask(msg: InboundMessage, task: BackfillTask, signal: AbortSignal | undefined, end: (done: TaskEnd) => TopicRecords): Promise<TaskEnd> {
    const outcomes: OutgoingRecord[] = [];
    const done = await reconcileTaskRule(msg, task, signal, outcomes);
    const records = end(done);
    await untilPublished('backfill task end', () => opts.outcomes.publishGroups([{ topic: opts.outcomes.topic, records: outcomes }, records]), signal);
    return done;
  }

  async function reconcileTaskRule(msg: InboundMessage, task: BackfillTask, signal: AbortSignal | undefined, outcomes: OutgoingRecord[]): Promise<TaskEnd> {
    const rule = byId.get(task.ruleId);
    if (!rule) {
      // Deleted (crr rules delete) while its job ran, or never here: the task is done with nothing to do. Throwing
      // would stop the lane, and every member given the task would stop the same way.
      logger.warn({ rule: task.ruleId, job: task.jobId, key: task.key }, 'backfill task of a rule this processor does not have; skipped');
      metrics.reconciles.inc({ rule: task.ruleId, op: 'none', result: 'no_rule' });
      return { result: 'SKIPPED', bytes: 0 };
    }
    const change = newChange({ eventId: `backfill:${task.jobId}:${task.seq}`, ruleIds: [rule.id], sourceBucket: task.sourceBucket, region: '', key: task.key,
      operation: 'UNKNOWN', eventTime: task.listedAt, captureTime: task.listedAt, captureSource: 'LISTING', eventName: 'Backfill',
      versionId: task.versionId, etag: task.etag, size: task.size });
    const done = await reconcileRule(msg, change, rule, signal, 0, 'BACKFILL', outcomes);
    return { result: TASK_RESULT[done.action] ?? 'SKIPPED', bytes: done.bytes };
  }

  async function handle(msg: InboundMessage, signal?: AbortSignal): Promise<void> {
    let change: ObjectChange;
    try {
      const early = decoded.get(msg);
      decoded.delete(msg);
      if (early) change = early;
      else if (msg.value === null) throw new CrrError('the message has no value', { code: 'EMPTY_MESSAGE', stage: 'decode' });
      else change = decode('ObjectChange', msg.value);
    } catch (err) {
      logger.warn({ topic: msg.topic, partition: msg.partition, offset: msg.offset, err: describeError(err) }, 'undecodable trigger; dead-lettered');
      await park(msg, { stage: 'decode', error: err, attempts: 1, now: now() }, signal);
      metrics.deadLetters.inc({ rule: '', stage: 'decode' });
      return;
    }
    const rules = rulesOf(change);
    if (rules.length === 0) {
      metrics.reconciles.inc({ rule: '', op: 'none', result: 'no_rule' });
      return;
    }
    // Settled, not raced: the runner must learn the trigger has stopped only once every rule's work has.
    const progress = progressByMessage.get(msg);
    const settled = await Promise.allSettled(rules.map(async (rule) => {
      await reconcileRule(msg, change, rule, signal);
      progress?.rules.delete(rule.id); // done (applied or dead-lettered): no longer holds this rule back
    }));
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  function progressOf(msg: InboundMessage): MessageProgress | undefined {
    if (msg.value === null) return undefined;
    try {
      const change = decode('ObjectChange', msg.value);
      decoded.set(msg, change);
      const progress = { rules: new Set(rulesOf(change).map((r) => r.id)), captureTime: change.captureTime };
      progressByMessage.set(msg, progress);
      return progress;
    } catch {
      return undefined; // handle() dead-letters it; it holds nothing back
    }
  }

  return { handle, progressOf, reconcileTask, setRules };
}
