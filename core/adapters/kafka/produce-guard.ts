// Two kafkajs producer faults around a partition leader's failover, as pure checks the producer acts on
// (kafkajs 2.2.4 is in maintenance; tulios/kafkajs#1303 and #1798 describe the first, unfixed upstream):
// - a send can resolve with some partitions never produced. It keeps one response per broker across its
//   retries and sends again only to brokers without one, so a partition whose leader moved to a broker
//   that had already answered (for other partitions) is skipped: its messages are acknowledged to the
//   caller and never written.
// - once a produce request failed after the broker had written its batch (the leader died before it
//   answered, the new leader has the batch), kafkajs rolls its sequence back and every later batch to the
//   partition gets OUT_OF_ORDER_SEQUENCE_NUMBER, non-retriable, for good. The Java client bumps the
//   producer epoch there; the adapter starts a new producer (a new producer id, sequences from 0).
import { hasKafkaErrorType } from './failures.ts';

/** A message as handed to kafkajs: the producer remembers the partition its partitioner placed it in. */
export interface PlacedMessage { key?: unknown; partition?: number }

export interface TopicMessages<M extends PlacedMessage> { topic: string; messages: M[] }

/** What kafkajs's send resolves with: one entry per partition it produced to. */
export interface PartitionAck { topicName: string; partition: number; errorCode?: number }

/**
 * The messages of `sent` whose partition (as placed in the send's last attempt) has no acknowledgement in
 * `acks`, pinned to that partition for the resend (so a key keeps its partition). A message never placed
 * (no metadata for its topic) counts as unacknowledged only if kafkajs resolved anyway, which it does not.
 */
export function unacknowledged<M extends PlacedMessage>(sent: TopicMessages<M>[], acks: PartitionAck[],
  placedIn: (m: M) => number | undefined): TopicMessages<M>[] {
  const acked = new Set(acks.filter((a) => !a.errorCode).map((a) => `${a.topicName}\u0000${a.partition}`));
  const missing: TopicMessages<M>[] = [];
  for (const { topic, messages } of sent) {
    const left: M[] = [];
    for (const m of messages) {
      const partition = placedIn(m) ?? m.partition;
      if (partition === undefined || !acked.has(`${topic}\u0000${partition}`)) left.push({ ...m, partition });
    }
    if (left.length) missing.push({ topic, messages: left });
  }
  return missing;
}

/** kafkajs protocol errors after which the producer's sequence numbers or id no longer match the broker's. */
const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** True when `err` (or an error in its cause chain, as kafkajs wraps retry exhaustion) is one of those. */
export function isProducerStateError(err: unknown): boolean {
  return hasKafkaErrorType(err, PRODUCER_STATE_ERRORS);
}
