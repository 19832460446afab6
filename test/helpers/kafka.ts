// Test helpers for the real broker: a client for KAFKA_BROKERS, unique topic names, and waiting
// until a topic holds the messages a test expects.
import { randomBytes } from 'node:crypto';
import { createKafka, type KafkaClient } from '../../core/adapters/kafka/client.ts';
import { createConsumer } from '../../core/adapters/kafka/consumer.ts';

export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts a broker');
  return brokers.split(',');
}

export function testKafka(clientId = 'crr-test'): KafkaClient {
  return createKafka({ brokers: testBrokers(), clientId });
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | undefined>;
}

/** Reads `topic` from the beginning until `done(messages)` holds or the timeout passes. */
export async function readUntil(
  kafka: KafkaClient,
  topic: string,
  done: (messages: ReadMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ReadMessage[]> {
  // A group of its own that never commits: the reader leaves no trace.
  const consumer = await createConsumer(kafka, { groupId: `reader-${randomBytes(6).toString('hex')}`, maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  await consumer.subscribe([topic], true);
  let resolveDone!: () => void;
  const finished = new Promise<void>((r) => (resolveDone = r));
  await consumer.run((batch) => {
    for (const m of batch.messages) {
      messages.push({ topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers });
    }
    if (done(messages)) resolveDone();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  const outcome = await Promise.race([finished.then(() => 'ok' as const), timeout]);
  clearTimeout(timer);
  await consumer.disconnect();
  if (outcome === 'timeout' && !done(messages)) {
    throw new Error(`timed out after ${timeoutMs} ms reading ${topic}: ${messages.length} messages so far`);
  }
  return messages;
}
