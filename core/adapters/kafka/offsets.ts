// Offsets as the broker knows them, per partition: a topic's low and high watermarks and a group's
// committed offsets. Lag is their difference (DESIGN §7), never the last fetched batch.
import type { KafkaClient } from './client.ts';
import { withAdmin } from './kafkajs-handle.ts';

export interface PartitionOffsets {
  partition: number;
  /** The earliest offset still held (retention moves it). */
  low: string;
  /** The offset the next produced record will get. */
  high: string;
}

export async function topicOffsets(kafka: KafkaClient, topic: string): Promise<PartitionOffsets[]> {
  return withAdmin(kafka, async (admin) => (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({ partition, low, high })));
}

/** partition → the offset the next produced record would get. */
export async function endOffsets(kafka: KafkaClient, topic: string): Promise<Map<number, string>> {
  return new Map((await topicOffsets(kafka, topic)).map((p) => [p.partition, p.high]));
}

/** partition → the group's committed offset on `topic` ('-1' where it committed none). */
export async function committedOffsets(kafka: KafkaClient, groupId: string, topic: string): Promise<Map<number, string>> {
  return withAdmin(kafka, async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
  });
}
