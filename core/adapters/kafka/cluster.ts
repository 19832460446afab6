// Whether a cluster answers at all: the Kafka launcher's readiness probe.
import type { KafkaClient } from './client.ts';
import { withAdmin } from './kafkajs-handle.ts';

/** True when the brokers answer a metadata request (use a client with few retries and short timeouts). */
export async function answersMetadata(kafka: KafkaClient): Promise<boolean> {
  try {
    await withAdmin(kafka, (admin) => admin.describeCluster());
    return true;
  } catch {
    return false;
  }
}
