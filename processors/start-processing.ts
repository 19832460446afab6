// Wires the processor from a validated config: one key-ordered runner per lane (the changes topic by
// default), reconcile per rule, outcomes, dead letters, consumer lag from the broker, and the progress
// metadata committed with each offset (the replicated-until watermark is computed from it by `crr status`).
import { randomUUID } from 'node:crypto';
import type { BrokerOffsets, BusProducer, InboundMessage, OpenConsumer } from '../core/ports/bus.ts';
import { CoalescingPublisher } from '../core/coalescing-publisher.ts';
import type { CrrConfig } from '../core/config/load.ts';
import type { Logger } from '../core/logging.ts';
import { consumerLagFor, type ConsumerLag } from '../core/metrics/consumer-lag.ts';
import type { CrrMetrics } from '../core/metrics/metrics.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { RECONCILE_RETRY, type RetryPolicy } from '../core/retry.ts';
import type { JobView } from '../core/backfill-job-view.ts';
import { backfillHandler } from './backfill-lane.ts';
import { DeadLetters } from './dead-letter.ts';
import { createProcessor } from './processor.ts';
import { groupTiming } from '../core/group-timing.ts';
import { copySettingsOf, RuleContexts } from './rule-context.ts';
import { RuleGate } from './rule-gate.ts';
import { rulesOf, staticRules, type LiveRules } from '../core/rules/live-rules.ts';
import { followRules } from './follow-rules.ts';
import { startVersioningCheck } from './versioning-check.ts';
import type { SchedulerShares } from './runner/key-scheduler.ts';
import { processingReadiness, withBrokerLag, type Readiness } from './readiness.ts';
import { startRunner, type Runner } from './runner/key-ordered-runner.ts';
import type { MessageProgress } from './runner/pending-progress.ts';
import { startUploadJanitor } from './upload-janitor.ts';
import { UploadLeases } from './upload-leases.ts';

/**
 * One runner over one topic, in its own consumer group, with its own budget of keys in flight. Real-time
 * changes are one lane; backfill tasks are meant to be another, so a large backfill never queues
 * real-time changes behind it (DESIGN §6).
 */
export interface Lane {
  /** For logs: 'changes', 'backfill'. */
  name: string;
  topic: string;
  groupId: string;
  concurrency: number;
  /** What one message of the lane means; default: an ObjectChange trigger, reconciled by the processor. */
  handle?: (msg: InboundMessage, ctx: { signal: AbortSignal }) => Promise<void>;
  /** What a message holds back of the watermark until handled; default (with the default handle): the processor's. */
  progressOf?: (msg: InboundMessage) => MessageProgress | undefined;
}

/** The real-time lane: the changes topic, in the processors' group, with the configured concurrency. */
export function changesLane(config: Pick<CrrConfig, 'processing' | 'topicNames'>): Lane {
  const p = config.processing;
  return { name: 'changes', topic: config.topicNames.changes, groupId: p.groupId, concurrency: p.concurrency };
}

export interface ProcessingDeps {
  config: Pick<CrrConfig, 'rules' | 'processing' | 'topicNames' | 'shutdownGraceMs'>;
  /** Opens each lane's consumer-group member. */
  openConsumer: OpenConsumer;
  /** Default: the changes lane alone. */
  lanes?: Lane[];
  /**
   * The live rule set (the rules topic, core/rules/rules-view.ts): rules added, changed, paused, resumed and
   * deleted take effect without a restart. Default: config.rules, fixed.
   */
  liveRules?: LiveRules;
  /**
   * Adds the backfill lane: the backfill topic in its own group (`<groupId>-backfill`) with
   * processing.backfillConcurrency, reading the jobs' states (pause, cancel) from `view`.
   */
  backfill?: { view: JobView };
  producer: BusProducer;
  /** A store for a named endpoint whose OSS requests are counted under `ruleId`. */
  storeFor: (endpointName: string, ruleId: string) => ObjectStore;
  metrics: CrrMetrics;
  logger: Logger;
  retryPolicy?: RetryPolicy;
  now?: () => number;
  /**
   * The broker's offsets, for consumer lag of the partitions this process owns (crr_consumer_lag_messages,
   * crr_kafka_reachable). Closed by stop(). Without it no lag is exported (unit tests on fakes).
   */
  brokerOffsets?: BrokerOffsets;
  /** How often lag is read from the broker (default 5 s). */
  lagIntervalMs?: number;
  /**
   * Reads a topic from its start to its end (core/adapters/kafka/read-to-end.ts): the uploads registry, so
   * this process may clean what a crashed one left. Without it only this process's own uploads are known.
   */
  readTopic?: (topic: string, onRecord: (m: InboundMessage) => void) => Promise<void>;
}

export interface Processing {
  /** The first lane's runner (the changes lane by default). */
  runner: Runner;
  /** Every lane's runner, by lane name. */
  runners: Record<string, Runner>;
  /** Rejects with the error of the first lane whose runner stopped on one. */
  done: Promise<void>;
  /** Lag from the broker for the owned partitions, and whether the broker answered (with brokerOffsets). */
  consumerLag?: ConsumerLag;
  /** Which rules are halted, and why; their triggers wait (rules paused by an operator can use it too). */
  gate: RuleGate;
  /** For GET /readyz: every lane connected to Kafka, assigned partitions, and not stalled. */
  readiness(): Readiness;
  stop(): Promise<void>;
}

/**
 * Fair shares of a lane's budget, one per rule. A message's key is `sourceBucket/key`, and rules are one-to-one,
 * so its source bucket names its rule. Off with a single rule (it has the whole budget).
 */
export function ruleShares(config: Pick<CrrConfig, 'rules' | 'processing'>, concurrency: number,
  ruleCount?: () => number): SchedulerShares<InboundMessage> | undefined {
  if (!ruleCount && config.rules.length < 2) return undefined;
  const share = Math.max(1, Math.floor(concurrency * config.processing.ruleShare));
  return {
    of: (msg) => {
      const key = msg.key?.toString() ?? '';
      const slash = key.indexOf('/');
      return slash < 0 ? key : key.slice(0, slash);
    },
    // A live rule set may shrink to one rule, which then has the whole budget again.
    get max() { return ruleCount && ruleCount() < 2 ? concurrency : share; },
  };
}

/**
 * How long a stopping runner waits for in-flight work: the shutdown grace less the time to abort what is
 * left (1 s to settle), commit and leave the group, so that all of it ends inside the grace.
 */
export function drainBudgetMs(shutdownGraceMs: number): number {
  return Math.max(500, shutdownGraceMs - 3000);
}

export async function startProcessing(deps: ProcessingDeps): Promise<Processing> {
  const { config, metrics, logger } = deps;
  const now = deps.now ?? Date.now;
  const p = config.processing;
  const live = deps.liveRules ?? staticRules(config.rules);
  const ruleMap = new Map(rulesOf(live).map((r) => [r.id, r]));
  const currentRules = () => [...ruleMap.values()];
  const uploadsTopic = config.topicNames.uploads;
  const leases = new UploadLeases({
    leaseMs: p.abandonedUploadAgeMs, owner: randomUUID(), now,
    send: async (records) => void await deps.producer.send(uploadsTopic, records),
    read: deps.readTopic && ((onRecord) => deps.readTopic!(uploadsTopic, onRecord)),
  });
  const contexts = new RuleContexts(ruleMap, {
    copy: copySettingsOf(p), storeFor: deps.storeFor,
    leases,
  });
  const outcomes = new CoalescingPublisher(deps.producer, config.topicNames.outcomes);
  const deadLetters = new DeadLetters(deps.producer, config.topicNames.deadLetter);
  const gate = new RuleGate({ now, onChange: (rule, reason, halted) => metrics.ruleHalted.set({ rule, reason }, halted ? 1 : 0) });
  const versioning = startVersioningCheck({ rules: currentRules, probe: contexts, gate, intervalMs: p.versioningCheckMs, logger });
  const processor = createProcessor({
    rules: currentRules(), contexts, outcomes, deadLetters,
    metrics, logger, retryPolicy: deps.retryPolicy ?? { ...RECONCILE_RETRY, retries: p.retries }, gate, now,
  });
  const follow = followRules({ live, ruleMap, contexts, processor, gate, versioning, logger });
  const timing = groupTiming(p);
  async function startLane(lane: Lane): Promise<Runner> {
    const consumer = await deps.openConsumer({ groupId: lane.groupId, ...timing });
    return startRunner({
      consumer,
      topics: [lane.topic],
      fromBeginning: true,
      concurrency: lane.concurrency,
      shares: ruleShares(config, lane.concurrency, deps.liveRules ? () => ruleMap.size : undefined),
      handoverGraceMs: p.handoverGraceMs,
      drainTimeoutMs: drainBudgetMs(config.shutdownGraceMs),
      handle: lane.handle ?? ((msg, { signal }) => processor.handle(msg, signal)),
      progressOf: lane.progressOf ?? (lane.handle ? undefined : (msg) => processor.progressOf(msg)),
      onError: (err, msg) => logger.error({ err: (err as Error).message, lane: lane.name, topic: msg.topic, partition: msg.partition, offset: msg.offset },
        'handler failed; stopping'),
      metrics: {
        // Lag is exported for the partitions owned now; a revoked partition's series goes at once.
        onAssignment: (partitions) => lag?.own(lane.topic, partitions[lane.topic] ?? []),
      },
      logger: (level, msg, ctx) => logger[level]({ lane: lane.name, ...ctx }, msg),
    });
  }
  // A connected member hears from a broker at least every heartbeat interval (a tenth of the session timeout).
  const limits = { contactTimeoutMs: Math.max(5000, 3 * timing.heartbeatIntervalMs), stalledAfterMs: p.stalledAfterMs };
  const lanes = [...(deps.lanes ?? [changesLane(config)])];
  if (deps.backfill) {
    lanes.push({ name: 'backfill', topic: config.topicNames.backfill, groupId: `${p.groupId}-backfill`, concurrency: p.backfillConcurrency,
      handle: backfillHandler({ processor, view: deps.backfill.view, producer: deps.producer, doneTopic: config.topicNames.backfillDone, deadLetters, logger, now }) });
  }
  if (new Set(lanes.map((l) => l.name)).size !== lanes.length) throw new RangeError(`lane names must differ: ${lanes.map((l) => l.name).join(', ')}`);
  const lag = deps.brokerOffsets && consumerLagFor(metrics, {
    offsets: deps.brokerOffsets, watches: lanes.map((l) => ({ topic: l.topic, groupId: l.groupId })), intervalMs: deps.lagIntervalMs, ownedOnly: true,
  });
  const runners: Record<string, Runner> = {};
  try {
    for (const lane of lanes) runners[lane.name] = await startLane(lane);
    await lag?.start();
  } catch (err) {
    follow();
    versioning.stop();
    await Promise.all(Object.values(runners).map((r) => r.stop()));
    await deps.brokerOffsets?.close();
    throw err;
  }
  // Rules are one-to-one, so each destination bucket is written by one rule, under its prefixes. Asked at each
  // sweep: the live rules' destinations.
  const destinations = () => currentRules().map((r) => ({ store: deps.storeFor(r.destination.endpoint, r.id), bucket: r.destination.bucket, prefixes: r.prefixes }));
  const janitor = startUploadJanitor(destinations, { leases, intervalMs: Math.max(5_000, p.abandonedUploadAgeMs / 2), logger, now });
  const done = Promise.all(Object.values(runners).map((r) => r.done)).then(() => undefined);
  done.catch(() => {}); // observed by whoever awaits it
  return {
    runner: runners[lanes[0]!.name]!,
    runners,
    done,
    consumerLag: lag,
    gate,
    readiness: () => processingReadiness(Object.fromEntries(lanes.map((l) => [l.name, withBrokerLag(runners[l.name]!.health(), lag?.lag(l.topic))])), limits, now()),
    async stop() {
      follow();
      versioning.stop();
      janitor.stop();
      await Promise.all(Object.values(runners).map((r) => r.stop()));
      lag?.stop();
      await deps.brokerOffsets?.close();
      await outcomes.flush();
    },
  };
}
