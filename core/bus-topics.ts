// The bus's topics (DESIGN §2) as specs to create: names from the config, the rest from the topic table.
import type { TopicSpec } from './adapters/kafka/topics.ts';
import type { CrrConfig } from './config/load.ts';
import { CrrError } from './errors.ts';
import { BUS_TOPICS, busTopics, type BusTopicDefinition } from './topic-table.ts';

export function busTopicSpecs(config: Pick<CrrConfig, 'topicNames' | 'topics'>): TopicSpec[] {
  const { topicNames, topics } = config;
  const minIsr = topics.minInsyncReplicas !== undefined ? { config: { 'min.insync.replicas': String(topics.minInsyncReplicas) } } : {};
  return busTopics.map((t) => {
    const d: BusTopicDefinition = BUS_TOPICS[t];
    return { topic: topicNames[t], partitions: d.partitions ?? topics.partitions, replicationFactor: topics.replicationFactor, ...minIsr,
      cleanupPolicy: d.cleanupPolicy, ...(d.retentionMs ? { retentionMs: d.retentionMs } : {}) };
  });
}

/** The bus's topics cannot be replicated more times than the cluster has brokers: a config error naming the field. */
export function checkReplicationFactor(config: Pick<CrrConfig, 'topics'>, brokerCount: number): void {
  const rf = config.topics.replicationFactor;
  if (rf <= brokerCount) return;
  const problem = `topics.replicationFactor: ${rf} is more than the ${brokerCount} broker${brokerCount === 1 ? '' : 's'} of the Kafka cluster; `
    + `set it to ${brokerCount} or less, or add brokers`;
  throw new CrrError(`invalid config: ${problem}`, { code: 'INVALID_CONFIG', stage: 'config', context: { problems: [problem], replicationFactor: rf, brokerCount } });
}
