// The producer's failover guards as pure checks: which messages a kafkajs send left unproduced (a partition
// whose new leader had already answered for other partitions), and which errors mean the producer's
// sequence numbers no longer match the broker's (a new producer id is the way out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProducerStateError, unacknowledged } from '../../../../core/adapters/kafka/produce-guard.ts';

test('messages placed in a partition the send never acknowledged are sent again, pinned to that partition', () => {
  const a = { key: 'b/a' }, b = { key: 'b/b' }, c = { key: 'b/c' }, d = { key: 'b/d' };
  const placed = new Map<object, number>([[a, 0], [b, 1], [c, 0], [d, 2]]);
  // Broker 1 answered for partitions 1 and 2 in the first attempt; partition 0's leader then moved to it.
  const left = unacknowledged([{ topic: 'changes', messages: [a, b, c, d] }],
    [{ topicName: 'changes', partition: 1, errorCode: 0 }, { topicName: 'changes', partition: 2, errorCode: 0 }], (m) => placed.get(m));
  assert.deepEqual(left, [{ topic: 'changes', messages: [{ key: 'b/a', partition: 0 }, { key: 'b/c', partition: 0 }] }]);
});

test('a send acknowledged for every partition leaves nothing; acks are per topic, and an errored ack is none', () => {
  const m = { key: 'k', partition: 3 };
  assert.deepEqual(unacknowledged([{ topic: 't', messages: [m] }], [{ topicName: 't', partition: 3 }], () => 3), []);
  assert.equal(unacknowledged([{ topic: 't', messages: [m] }], [{ topicName: 'other', partition: 3 }], () => 3).length, 1);
  assert.equal(unacknowledged([{ topic: 't', messages: [m] }], [{ topicName: 't', partition: 3, errorCode: 6 }], () => 3).length, 1);
  // An explicit partition counts when the partitioner was never asked (kafkajs honours it as placed).
  assert.deepEqual(unacknowledged([{ topic: 't', messages: [m] }], [{ topicName: 't', partition: 3 }], () => undefined), []);
});

test('OUT_OF_ORDER_SEQUENCE_NUMBER and the producer-id errors are state errors, also wrapped by retry exhaustion', () => {
  const protocol = (type: string) => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable: false });
  assert.ok(isProducerStateError(protocol('OUT_OF_ORDER_SEQUENCE_NUMBER')));
  assert.ok(isProducerStateError(protocol('UNKNOWN_PRODUCER_ID')));
  assert.ok(isProducerStateError(protocol('INVALID_PRODUCER_EPOCH')));
  assert.ok(isProducerStateError(Object.assign(new Error('retries'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: protocol('OUT_OF_ORDER_SEQUENCE_NUMBER') })));
  assert.ok(!isProducerStateError(protocol('NOT_LEADER_FOR_PARTITION')));
  assert.ok(!isProducerStateError(Object.assign(new Error('closed'), { name: 'KafkaJSConnectionClosedError' })));
  assert.ok(!isProducerStateError(undefined));
});
