// Reads a topic (a compacted one, such as state) from its start to the end it had when the read began,
// without a consumer group of its own to keep: the group is fresh, never commits, and is deleted at the end
// (throwaway-group.ts).
import { randomBytes } from 'node:crypto';
import type { InboundMessage } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { topicOffsets } from './offsets.ts';
import { throwawayConsumerOpener } from './throwaway-group.ts';

/** Calls `onRecord` for every record of `topic` below its end offsets at the start, in order per partition. */
export async function readTopicToEnd(kafka: KafkaClient, topic: string, onRecord: (m: InboundMessage) => void, timeoutMs = 120_000): Promise<void> {
  const ends = new Map<number, bigint>();
  for (const p of await topicOffsets(kafka, topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
  if (ends.size === 0) return;
  const consumer = await throwawayConsumerOpener(kafka)({ groupId: `crr-read-${randomBytes(6).toString('hex')}`, maxWaitTimeInMs: 100 });
  try {
    await consumer.subscribe([topic], true);
    let done!: () => void;
    let failed!: (err: Error) => void;
    const finished = new Promise<void>((resolve, reject) => { done = resolve; failed = reject; });
    consumer.onCrash((err, restarting) => { if (!restarting) failed(err instanceof Error ? err : new Error(String(err))); });
    await consumer.run((batch) => {
      const end = ends.get(batch.partition);
      if (end === undefined) return;
      for (const m of batch.messages) if (BigInt(m.offset) < end) onRecord(m);
      if (BigInt(batch.nextOffset) >= end) {
        ends.delete(batch.partition);
        if (ends.size === 0) done();
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topic} to its end took over ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
}
