// The bus's topics (DESIGN §2) as specs: names from the config, retention and cleanup per topic.
import type { TopicSpec } from './adapters/kafka/topics.ts';
import type { CrrConfig } from './config/load.ts';
import { CrrError } from './errors.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export function busTopicSpecs(config: Pick<CrrConfig, 'topicNames' | 'topics'>): TopicSpec[] {
  const { topicNames: n, topics } = config;
  const base = {
    partitions: topics.partitions,
    replicationFactor: topics.replicationFactor,
    ...(topics.minInsyncReplicas !== undefined ? { config: { 'min.insync.replicas': String(topics.minInsyncReplicas) } } : {}),
  };
  return [
    { ...base, topic: n.changes, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
    { ...base, topic: n.backfill, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
    { ...base, topic: n.outcomes, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
    { ...base, topic: n.deadLetter, cleanupPolicy: 'delete', retentionMs: 30 * DAY_MS },
    { ...base, topic: n.backfillJobs, partitions: 1, cleanupPolicy: 'compact' },
    { ...base, topic: n.state, partitions: 1, cleanupPolicy: 'compact' },
  ];
}

/** The bus's topics cannot be replicated more times than the cluster has brokers: a config error naming the field. */
export function checkReplicationFactor(config: Pick<CrrConfig, 'topics'>, brokerCount: number): void {
  const rf = config.topics.replicationFactor;
  if (rf <= brokerCount) return;
  const problem = `topics.replicationFactor: ${rf} is more than the ${brokerCount} broker${brokerCount === 1 ? '' : 's'} of the Kafka cluster; `
    + `set it to ${brokerCount} or less, or add brokers`;
  throw new CrrError(`invalid config: ${problem}`, { code: 'INVALID_CONFIG', stage: 'config', context: { problems: [problem], replicationFactor: rf, brokerCount } });
}
