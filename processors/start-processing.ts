// Wires the real-time processor from a validated config: the key-ordered runner on the changes topic,
// reconcile per rule, outcomes, dead letters, and the lag and replicated-until metrics.
import type { BusProducer, OpenConsumer } from '../core/ports/bus.ts';
import { CoalescingPublisher } from '../core/coalescing-publisher.ts';
import type { CrrConfig } from '../core/config/load.ts';
import type { Logger } from '../core/logging.ts';
import type { CrrMetrics } from '../core/metrics/metrics.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { defaultRetryPolicy, type RetryPolicy } from '../core/retry.ts';
import { DeadLetters } from './dead-letter.ts';
import { createProcessor } from './processor.ts';
import { RuleContexts } from './rule-context.ts';
import { startRunner, type Runner } from './runner/key-ordered-runner.ts';
import { startUploadJanitor } from './upload-janitor.ts';

export interface ProcessingDeps {
  config: Pick<CrrConfig, 'rules' | 'processing' | 'topicNames'>;
  /** Opens the runner's consumer-group member. */
  openConsumer: OpenConsumer;
  producer: BusProducer;
  /** A store for a named endpoint whose OSS requests are counted under `ruleId`. */
  storeFor: (endpointName: string, ruleId: string) => ObjectStore;
  metrics: CrrMetrics;
  logger: Logger;
  retryPolicy?: RetryPolicy;
  now?: () => number;
  /** How often the watermark gauges are refreshed (default 1 s). */
  gaugeIntervalMs?: number;
}

export interface Processing { runner: Runner; stop(): Promise<void> }

export async function startProcessing(deps: ProcessingDeps): Promise<Processing> {
  const { config, metrics, logger } = deps;
  const now = deps.now ?? Date.now;
  const p = config.processing;
  const contexts = new RuleContexts(new Map(config.rules.map((r) => [r.id, r])), {
    multipartThresholdBytes: p.multipartThresholdBytes, partSizeBytes: p.partSizeBytes, partConcurrency: p.partConcurrency, storeFor: deps.storeFor,
  });
  const outcomes = new CoalescingPublisher(deps.producer, config.topicNames.outcomes);
  const processor = createProcessor({
    rules: config.rules, contexts, outcomes, deadLetters: new DeadLetters(deps.producer, config.topicNames.deadLetter),
    metrics, logger, retryPolicy: deps.retryPolicy ?? { ...defaultRetryPolicy, retries: p.retries }, now,
  });
  const lags = new Map<string, number>();
  const consumer = await deps.openConsumer({
    groupId: p.groupId,
    // Consumer-group timing from the config: how soon a crashed member's partitions move to the others.
    sessionTimeoutMs: p.sessionTimeoutMs,
    rebalanceTimeoutMs: p.rebalanceTimeoutMs,
    heartbeatIntervalMs: Math.max(100, Math.floor(p.sessionTimeoutMs / 10)),
  });
  const runner = await startRunner({
    consumer,
    topics: [config.topicNames.changes],
    fromBeginning: true,
    concurrency: p.concurrency,
    handoverGraceMs: p.handoverGraceMs,
    handle: (msg) => processor.handle(msg),
    onError: (err, msg) => logger.error({ err: (err as Error).message, topic: msg.topic, partition: msg.partition, offset: msg.offset }, 'handler failed; stopping'),
    metrics: {
      onLag: (topic, partition, lag) => {
        lags.set(`${topic}/${partition}`, lag);
        metrics.consumerLag.set({ topic, partition: String(partition) }, lag);
      },
    },
    logger: (level, msg, ctx) => logger[level](ctx ?? {}, msg),
  });
  const refresh = () => {
    const t = now();
    const stats = runner.stats();
    const caughtUp = Object.values(stats.lag).every((l) => l === 0) && stats.buffered === 0;
    for (const rule of config.rules) {
      const until = processor.watermark.value(rule.id, t, caughtUp);
      if (until === undefined) continue;
      metrics.replicatedUntil.set({ rule: rule.id }, until / 1000);
      metrics.ruleLag.set({ rule: rule.id }, Math.max(0, t - until) / 1000);
    }
  };
  const destinations = [...new Map(config.rules.map((r) => [`${r.destination.endpoint}/${r.destination.bucket}`, r])).values()]
    .map((r) => ({ store: deps.storeFor(r.destination.endpoint, r.id), bucket: r.destination.bucket }));
  const janitor = startUploadJanitor(destinations, { maxAgeMs: p.abandonedUploadAgeMs, intervalMs: Math.max(60_000, p.abandonedUploadAgeMs / 2), logger, now });
  const timer = setInterval(refresh, deps.gaugeIntervalMs ?? 1000);
  timer.unref();
  return {
    runner,
    async stop() {
      clearInterval(timer);
      janitor.stop();
      await runner.stop();
      await outcomes.flush();
      refresh();
    },
  };
}
