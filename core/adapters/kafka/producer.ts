// The bus port's producer over kafkajs, idempotent: acks = all, zstd-compressed batches (but small requests:
// compression.ts), keys placed by the Java-compatible murmur2 partitioner so every event of one object lands
// in one partition whatever language wrote it. It guards against kafkajs's two failover faults
// (produce-guard.ts): a partition its send skipped is sent again, and a producer whose sequence numbers the
// broker refuses is replaced by a new one.
import kafkajs, { type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { CrrError } from '../../errors.ts';
import type { BusProducer, OutgoingRecord, RecordAck } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { compressionFor } from './compression.ts';
import { kafkajsOf } from './kafkajs-handle.ts';
import { isProducerStateError, unacknowledged, type TopicMessages } from './produce-guard.ts';

export type { BusProducer } from '../../ports/bus.ts';

const { Partitioners } = kafkajs;

/** Resends of skipped partitions within one send before it fails (each is a full kafkajs send with retries). */
const MAX_RESENDS = 3;

function toMessages(records: OutgoingRecord[]): Message[] {
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
  // The partition each message object went to in its send's latest attempt (kafkajs passes our objects).
  const placed = new WeakMap<object, number>();
  const createPartitioner = () => {
    const inner = Partitioners.DefaultPartitioner();
    return (args: Parameters<typeof inner>[0]) => {
      const partition = inner(args);
      placed.set(args.message, partition);
      return partition;
    };
  };
  const open = async (): Promise<Producer> => {
    const p = kafkajsOf(kafka).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner,
      transactionalId: opts.transactionalId,
      allowAutoTopicCreation: false,
    });
    await p.connect();
    return p;
  };

  // Sends in flight per producer: a replaced producer is disconnected once its last send has ended.
  const inFlight = new Map<Producer, number>();
  const retired = new Set<Producer>();
  let live: Producer | undefined = await open();
  let current: Promise<Producer> | undefined = Promise.resolve(live);
  const producer = (): Promise<Producer> => {
    if (current) return current;
    const p = current = open();
    p.then((x) => { if (current === p) live = x; }, () => { if (current === p) current = undefined; });
    return p;
  };
  const settle = (p: Producer) => {
    const n = (inFlight.get(p) ?? 1) - 1;
    if (n > 0) return void inFlight.set(p, n);
    inFlight.delete(p);
    if (retired.delete(p)) void p.disconnect().catch(() => {});
  };
  /** Called with a send of `old` in flight: its settle disconnects `old` once no other send uses it. */
  const replace = (old: Producer) => {
    retired.add(old);
    if (live === old) { live = undefined; current = undefined; }
  };

  const sendOnce = async (topicMessages: TopicMessages<Message>[]): Promise<RecordMetadata[]> => {
    for (let attempt = 0; ; attempt++) {
      const p = await producer();
      inFlight.set(p, (inFlight.get(p) ?? 0) + 1);
      try {
        return await p.sendBatch({ acks: -1, compression: compressionFor(topicMessages.flatMap((t) => t.messages)), topicMessages });
      } catch (err) {
        // A new producer id starts every partition's sequence at 0; the batch is sent again (at least once).
        if (opts.transactionalId || attempt > 0 || !isProducerStateError(err)) throw err;
        kafkajsOf(kafka).logger().warn('the broker refused the producer\'s sequence numbers; sending again from a new producer id', { error: (err as Error).message });
        replace(p);
      } finally {
        settle(p);
      }
    }
  };

  const send = async (batches: TopicMessages<Message>[]): Promise<RecordAck[]> => {
    const acks: RecordMetadata[] = [];
    let pending = batches;
    for (let resend = 0; ; resend++) {
      const meta = await sendOnce(pending);
      acks.push(...meta);
      pending = unacknowledged(pending, meta, (m) => placed.get(m));
      if (!pending.length) return toAcks(acks);
      kafkajsOf(kafka).logger().warn('kafkajs resolved a send without producing to some partitions (their leader moved); sending those again',
        { partitions: pending.map((b) => `${b.topic}/${[...new Set(b.messages.map((m) => m.partition))].join(',')}`).join(' ') });
      if (resend >= MAX_RESENDS) {
        throw new CrrError(`Kafka acknowledged no write to ${pending.map((b) => `${b.topic}/${[...new Set(b.messages.map((m) => m.partition))].join(',')}`).join(' ')} after ${resend + 1} sends`,
          { code: 'KAFKA_UNREACHABLE', retriable: true, stage: 'publish' });
      }
    }
  };

  return {
    async send(topic, records) {
      if (records.length === 0) return [];
      return send([{ topic, messages: toMessages(records) }]);
    },
    async sendBatch(batches) {
      const nonEmpty = batches.filter((b) => b.records.length > 0);
      if (nonEmpty.length === 0) return [];
      return send(nonEmpty.map((b) => ({ topic: b.topic, messages: toMessages(b.records) })));
    },
    async disconnect() {
      const last = current;
      current = undefined;
      live = undefined;
      await Promise.all([...retired].map((p) => p.disconnect().catch(() => {})));
      retired.clear();
      const p = await last?.catch(() => undefined);
      await p?.disconnect();
    },
  };
}
