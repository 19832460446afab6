// Offsets as the broker knows them, per partition: a topic's low and high watermarks and a group's
// committed offsets. Lag is their difference (DESIGN §7), never the last fetched batch.
import type { Admin } from 'kafkajs';
import type { BrokerOffsets, CommittedOffset, PartitionOffsets } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { retryCoordinator } from './coordinator-retry.ts';
import { kafkajsOf, withAdmin } from './kafkajs-handle.ts';

export type { PartitionOffsets } from '../../ports/bus.ts';

export async function topicOffsets(kafka: KafkaClient, topic: string): Promise<PartitionOffsets[]> {
  return withAdmin(kafka, (admin) => readTopicOffsets(admin, topic));
}

/** partition → the offset the next produced record would get. */
export async function endOffsets(kafka: KafkaClient, topic: string): Promise<Map<number, string>> {
  return new Map((await topicOffsets(kafka, topic)).map((p) => [p.partition, p.high]));
}

/** partition → the group's committed offset on `topic` ('-1' where it committed none). */
export async function committedOffsets(kafka: KafkaClient, groupId: string, topic: string): Promise<Map<number, string>> {
  return withAdmin(kafka, async (admin) => new Map([...(await readCommitted(admin, groupId, topic))].map(([p, c]) => [p, c.offset])));
}

/**
 * The BrokerOffsets port over one admin client, kept connected between calls (a timer polls it); after a
 * failed call the client is dropped and the next call connects afresh.
 */
export function brokerOffsets(kafka: KafkaClient): BrokerOffsets {
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    if (!admin) {
      const a = kafkajsOf(kafka).admin();
      admin = a.connect().then(() => a);
      admin.catch(() => {}); // observed by the call that awaits it
    }
    return admin;
  };
  async function call<T>(fn: (a: Admin) => Promise<T>): Promise<T> {
    const current = connected();
    try {
      return await fn(await current);
    } catch (err) {
      if (admin === current) {
        admin = undefined;
        void current.then((a) => a.disconnect()).catch(() => {});
      }
      throw err;
    }
  }
  return {
    topicOffsets: (topic) => call((a) => readTopicOffsets(a, topic)),
    committedOffsets: (groupId, topic) => call((a) => readCommitted(a, groupId, topic)),
    async close() {
      const current = admin;
      admin = undefined;
      await current?.then((a) => a.disconnect()).catch(() => {});
    },
  };
}

async function readTopicOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  return (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({ partition, low, high }));
}

async function readCommitted(admin: Admin, groupId: string, topic: string): Promise<Map<number, CommittedOffset>> {
  const [entry] = await retryCoordinator(() => admin.fetchOffsets({ groupId, topics: [topic] }));
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, { offset: p.offset, metadata: p.metadata ?? null }]));
}
