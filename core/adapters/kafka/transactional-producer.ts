// The bus port's transactional producer over kafkajs: each commit is one Kafka transaction, so a page of
// backfill tasks and the job record that counts them become visible together or not at all. Connecting
// (initTransactions) fences every older producer with the same transactional id.
import kafkajs from 'kafkajs';
import { CrrError } from '../../errors.ts';
import type { OutgoingRecord, TransactionalProducer } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { compressionFor } from './compression.ts';
import { kafkajsOf } from './kafkajs-handle.ts';

const { Partitioners } = kafkajs;

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'INVALID_TXN_STATE']);

function fenced(err: unknown): boolean {
  const e = err as { type?: string; cause?: { type?: string }; message?: string };
  return FENCED.has(e.type ?? '') || FENCED.has(e.cause?.type ?? '') || /fenced|epoch/i.test(e.message ?? '');
}

export async function createTransactionalProducer(kafka: KafkaClient, transactionalId: string): Promise<TransactionalProducer> {
  const producer = kafkajsOf(kafka).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    transactionalId,
    // A crashed owner's open transaction is aborted by the next owner's initTransactions; this only bounds a hung one.
    transactionTimeout: 60_000,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    async commit(batches) {
      const nonEmpty = batches.filter((b) => b.records.length > 0);
      if (nonEmpty.length === 0) return;
      const txn = await producer.transaction();
      try {
        await txn.sendBatch({
          acks: -1,
          compression: compressionFor(nonEmpty.flatMap((b) => b.records)),
          topicMessages: nonEmpty.map((b) => ({ topic: b.topic, messages: b.records.map(toMessage) })),
        });
        await txn.commit();
      } catch (err) {
        await txn.abort().catch(() => {});
        if (fenced(err)) throw new CrrError(`another producer took over transactional id ${transactionalId}`, { code: 'BACKFILL_FENCED', stage: 'backfill', cause: err });
        throw err;
      }
    },
    disconnect: () => producer.disconnect(),
  };
}

function toMessage(r: OutgoingRecord) {
  return { key: r.key, value: r.value, headers: r.headers, partition: r.partition, timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) };
}
