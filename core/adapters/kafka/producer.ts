// An idempotent producer: acks = all, zstd-compressed batches, keys placed by the Java-compatible
// murmur2 partitioner so every event of one object lands in one partition whatever language wrote it.
import kafkajs, { type Producer } from 'kafkajs';
import type { KafkaClient } from './client.ts';

const { CompressionTypes, Partitioners } = kafkajs;

export interface OutgoingRecord {
  key: string | Buffer;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  partition?: number;
  timestamp?: number;
}

export interface RecordAck {
  topic: string;
  partition: number;
  baseOffset: string;
}

export interface BusProducer {
  /** Publishes records to one topic; resolves once the broker acknowledged all of them (acks = all). */
  send(topic: string, records: OutgoingRecord[]): Promise<RecordAck[]>;
  /** Publishes to several topics in one request. */
  sendBatch(batches: { topic: string; records: OutgoingRecord[] }[]): Promise<RecordAck[]>;
  disconnect(): Promise<void>;
}

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
  const producer: Producer = kafka.producer({
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
      const meta = await producer.send({ topic, acks: -1, compression: CompressionTypes.ZSTD, messages: toMessages(records) });
      return toAcks(meta);
    },
    async sendBatch(batches) {
      const nonEmpty = batches.filter((b) => b.records.length > 0);
      if (nonEmpty.length === 0) return [];
      const meta = await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.ZSTD,
        topicMessages: nonEmpty.map((b) => ({ topic: b.topic, messages: toMessages(b.records) })),
      });
      return toAcks(meta);
    },
    disconnect: () => producer.disconnect(),
  };
}
