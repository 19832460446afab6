// Topic admin: creation with explicit partitions, replication factor and cleanup policy, and deletion.
import type { Admin } from 'kafkajs';
import type { KafkaClient } from './client.ts';
import { withAdmin } from './kafkajs-handle.ts';

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
