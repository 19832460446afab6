// The bus port's ReadAt over kafkajs: a throwaway member of a group of its own (kafkajs 2.2.4 has no
// manual assignment) that seeks each wanted partition, takes its first record and leaves; it commits
// nothing, and its group is deleted after it. The cost is one group join, so callers read only what they lack
// and keep what they read.
import { randomBytes } from 'node:crypto';
import type { InboundMessage, ReadAt } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { toMessage } from './consumer.ts';
import { kafkajsOf } from './kafkajs-handle.ts';
import { deleteGroup } from './throwaway-group.ts';

export function readerAt(kafka: KafkaClient, opts: { timeoutMs?: number } = {}): ReadAt {
  return async (topic, at) => {
    const out = new Map<number, InboundMessage>();
    if (at.size === 0) return out;
    const groupId = `crr-read-at-${randomBytes(6).toString('hex')}`;
    const consumer = kafkajsOf(kafka).consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => (resolveAll = r));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const want = at.get(batch.partition);
          if (want === undefined || out.has(batch.partition)) return;
          const m = batch.messages.find((x) => BigInt(x.offset) >= BigInt(want));
          if (m) out.set(batch.partition, toMessage(topic, batch.partition, m));
          if (out.size === at.size) resolveAll();
        },
      });
      for (const [partition, offset] of at) consumer.seek({ topic, partition, offset });
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, opts.timeoutMs ?? 10_000)));
      await Promise.race([all, timeout]);
      return out;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => {});
      await deleteGroup(kafka, groupId).catch(() => {});
    }
  };
}
