// The bus port's producer over kafkajs, idempotent: acks = all, zstd-compressed batches (but small requests:
// compression.ts), keys placed by the Java-compatible murmur2 partitioner so every event of one object lands
// in one partition whatever language wrote it.
import kafkajs, { type Producer } from 'kafkajs';
import type { BusProducer, OutgoingRecord, RecordAck } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { compressionFor } from './compression.ts';
import { kafkajsOf } from './kafkajs-handle.ts';

export type { BusProducer } from '../../ports/bus.ts';

const { Partitioners } = kafkajs;

function toMessages(records: OutgoingRecord[]) {
  return records.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    partition: r.partition,
    timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
  }));
}

function toAcks(meta: { topicName: string; partition: number; baseOffset?: string }[]): RecordAck[] {
  return meta.map((m) => ({ topic: m.topicName, partition: m.partition, baseOffset: m.baseOffset ?? '-1' }));
}

export async function createProducer(kafka: KafkaClient, opts: { transactionalId?: string } = {}): Promise<BusProducer> {
  const producer: Producer = kafkajsOf(kafka).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionalId: opts.transactionalId,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    async send(topic, records) {
      if (records.length === 0) return [];
      const meta = await producer.send({ topic, acks: -1, compression: compressionFor(records), messages: toMessages(records) });
      return toAcks(meta);
    },
    async sendBatch(batches) {
      const nonEmpty = batches.filter((b) => b.records.length > 0);
      if (nonEmpty.length === 0) return [];
      const meta = await producer.sendBatch({
        acks: -1,
        compression: compressionFor(nonEmpty.flatMap((b) => b.records)),
        topicMessages: nonEmpty.map((b) => ({ topic: b.topic, messages: toMessages(b.records) })),
      });
      return toAcks(meta);
    },
    disconnect: () => producer.disconnect(),
  };
}
