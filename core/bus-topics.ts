// The bus's topics (DESIGN §2) as specs: names from the config, retention and cleanup per topic.
import type { TopicSpec } from './adapters/kafka/topics.ts';
import type { CrrConfig } from './config/load.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export function busTopicSpecs(config: Pick<CrrConfig, 'topicNames' | 'topics'>): TopicSpec[] {
  const { topicNames: n, topics } = config;
  const base = { partitions: topics.partitions, replicationFactor: topics.replicationFactor };
  return [
    { ...base, topic: n.changes, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
    { ...base, topic: n.backfill, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
    { ...base, topic: n.outcomes, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
    { ...base, topic: n.deadLetter, cleanupPolicy: 'delete', retentionMs: 30 * DAY_MS },
    { ...base, topic: n.backfillJobs, partitions: 1, cleanupPolicy: 'compact' },
    { ...base, topic: n.state, partitions: 1, cleanupPolicy: 'compact' },
  ];
}
