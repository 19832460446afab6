// Whether a cluster answers at all (the Kafka launcher's readiness probe), and how many brokers it has.
import type { KafkaClient } from './client.ts';
import { withAdmin } from './kafkajs-handle.ts';

/**
 * True when the brokers answer a metadata request listing at least `minBrokers` of them (use a client
 * with few retries and short timeouts).
 */
export async function answersMetadata(kafka: KafkaClient, minBrokers = 1): Promise<boolean> {
  try {
    return (await withAdmin(kafka, (admin) => admin.describeCluster())).brokers.length >= minBrokers;
  } catch {
    return false;
  }
}

/** How many brokers the cluster has now (a topic cannot be replicated more times than that). */
export async function countBrokers(kafka: KafkaClient): Promise<number> {
  return withAdmin(kafka, async (admin) => (await admin.describeCluster()).brokers.length);
}
