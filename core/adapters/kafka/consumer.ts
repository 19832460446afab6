// The bus port's consumer over kafkajs: plain messages, manual commits only, pause/resume, and assignment
// notifications. kafkajs 2.2.4 has no revoke callback, so owners learn of a rebalance from the GROUP_JOIN
// event, which carries the new assignment.
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import type { BusConsumer, GroupMemberOptions, InboundMessage, OpenConsumer } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { kafkajsOf } from './kafkajs-handle.ts';

function toHeaders(headers: IHeaders | undefined): Record<string, Buffer | undefined> {
  const out: Record<string, Buffer | undefined> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    out[name] = value === undefined ? undefined : Buffer.isBuffer(value) ? value : Buffer.from(value);
  }
  return out;
}

export function toMessage(topic: string, partition: number, m: KafkaMessage): InboundMessage {
  return {
    topic, partition, offset: m.offset, key: m.key ?? null, value: m.value,
    headers: toHeaders(m.headers), timestamp: Number(m.timestamp),
  };
}

export async function createConsumer(kafka: KafkaClient, opts: GroupMemberOptions): Promise<BusConsumer> {
  const consumer: Consumer = kafkajsOf(kafka).consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: opts.rebalanceTimeoutMs ?? 60_000,
    heartbeatInterval: opts.heartbeatIntervalMs ?? 3000,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 1_048_576,
    minBytes: opts.minBytes ?? 1,
    maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 500,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  // kafkajs only hands out heartbeat() inside a batch, bound to the group member that fetched it. After a
  // crash kafkajs restarts with a new member, so the old function must go: its heartbeats kept the dead
  // member alive on the coordinator, and the new member's join waited a whole rebalance timeout for it.
  let heartbeatFn: (() => Promise<void>) | undefined;
  consumer.on(consumer.events.CRASH, () => {
    heartbeatFn = undefined;
  });

  return {
    subscribe: (topics, fromBeginning = false) => consumer.subscribe({ topics, fromBeginning }),
    run: (onBatch) => consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }: EachBatchPayload) => {
        heartbeatFn = heartbeat;
        await onBatch({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages.map((m) => toMessage(batch.topic, batch.partition, m)),
          nextOffset: (BigInt(batch.lastOffset()) + 1n).toString(),
          highWatermark: batch.highWatermark,
        });
      },
    }),
    onAssignment: (listener) => consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const { memberId, memberAssignment } = event.payload;
      listener({ memberId, partitions: { ...memberAssignment } });
    }),
    onCrash: (listener) => consumer.on(consumer.events.CRASH, (event) => {
      listener(event.payload.error, event.payload.restart);
    }),
    onBrokerContact: (listener) => {
      const offs = [consumer.events.FETCH, consumer.events.HEARTBEAT, consumer.events.COMMIT_OFFSETS].map((e) => consumer.on(e, () => listener()));
      return () => offs.forEach((off) => off());
    },
    heartbeat: async () => {
      await heartbeatFn?.();
    },
    pause: (topic, partitions) => consumer.pause([{ topic, partitions }]),
    resume: (topic, partitions) => consumer.resume([{ topic, partitions }]),
    commit: async (offsets) => {
      if (offsets.length === 0) return;
      await consumer.commitOffsets(offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata: metadata ?? null })));
    },
    stop: () => consumer.stop(),
    disconnect: () => consumer.disconnect(),
  };
}

/** createConsumer bound to one client: the port's OpenConsumer, for wiring runner lanes. */
export function consumerOpener(kafka: KafkaClient): OpenConsumer {
  return (opts) => createConsumer(kafka, opts);
}
