// The kafkajs client behind a KafkaClient handle. Only this folder may reach it (a lint rule says so):
// the rest of the project sees consumers, producers and offsets in its own terms.
import type { Admin, Kafka } from 'kafkajs';
import type { KafkaClient } from './client.ts';

const engines = new WeakMap<KafkaClient, Kafka>();

export function bindKafkajs(handle: KafkaClient, kafka: Kafka): KafkaClient {
  const frozen = Object.freeze(handle);
  engines.set(frozen, kafka);
  return frozen;
}

export function kafkajsOf(client: KafkaClient): Kafka {
  const kafka = engines.get(client);
  if (!kafka) throw new TypeError('not a KafkaClient made by createKafka()');
  return kafka;
}

/** Runs `fn` with a connected admin client, disconnected afterwards whatever happens. */
export async function withAdmin<T>(client: KafkaClient, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkajsOf(client).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
