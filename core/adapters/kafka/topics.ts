// Topic admin: creation with explicit partitions, replication factor and cleanup policy, and deletion;
// where the replicas of each partition are, and the topic's configs.
import kafkajs, { type Admin } from 'kafkajs';
import type { KafkaClient } from './client.ts';
import { withAdmin } from './kafkajs-handle.ts';

const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  cleanupPolicy?: 'delete' | 'compact' | 'compact,delete';
  retentionMs?: number;
  config?: Record<string, string>;
}

/** Creates the topics that do not exist yet; existing ones are left as they are. Returns the names created. */
export async function ensureTopics(kafka: KafkaClient, specs: TopicSpec[]): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return [];
    // kafkajs's own waitForLeaders gives up on a transient UNKNOWN_TOPIC_OR_PARTITION right after
    // creation (newer brokers answer that for a moment); wait for the leaders here instead.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor ?? 1,
        configEntries: Object.entries({
          'cleanup.policy': s.cleanupPolicy ?? 'delete',
          ...(s.retentionMs !== undefined ? { 'retention.ms': String(s.retentionMs) } : {}),
          ...s.config,
        }).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitForLeaders(admin, missing.map((s) => s.topic));
    return missing.map((s) => s.topic);
  });
}

/** The names among `topics` the cluster does not have (a one-shot command checks, never creates). */
export async function missingTopics(kafka: KafkaClient, topics: string[]): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  });
}

export interface PartitionReplicas {
  partition: number;
  /** The leader's broker id (-1 while there is none). */
  leader: number;
  replicas: number[];
  /** The in-sync replicas: an acks=all write is acknowledged once all of them hold it. */
  isr: number[];
}

/** Where each partition of `topic` lives now: its leader, replicas and in-sync replicas. */
export async function topicReplicas(kafka: KafkaClient, topic: string): Promise<PartitionReplicas[]> {
  return withAdmin(kafka, async (admin) => {
    const { topics: [meta] } = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
      .sort((a, b) => a.partition - b.partition);
  });
}

/** The values of the named configs of `topic`, as the broker reports them (its defaults included). */
export async function topicConfig(kafka: KafkaClient, topic: string, names: string[]): Promise<Record<string, string>> {
  return withAdmin(kafka, async (admin) => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }], includeSynonyms: false });
    return Object.fromEntries((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
  });
}

export async function deleteTopics(kafka: KafkaClient, topics: string[]): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics }));
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) {
        // Leaders in the metadata can still answer NOT_LEADER for a moment: ready means offsets can be listed.
        for (const topic of topics) await admin.fetchTopicOffsets(topic);
        return;
      }
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
