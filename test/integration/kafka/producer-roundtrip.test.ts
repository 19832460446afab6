// The foundation's proof on the real broker: 10,000 keyed messages through the idempotent, zstd
// producer come back whole, in per-partition order, each key in the partition Java's murmur2 picks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProducer } from '../../../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import { partitionForKey } from '../../../core/murmur2.ts';
import { readUntil, testKafka, uniqueTopic } from '../../helpers/kafka.ts';
import { storedBatches, ZSTD } from '../../helpers/segments.ts';

test('10,000 keyed messages round-trip through the idempotent zstd producer', async (t) => {
  const kafka = testKafka();
  const topic = uniqueTopic('roundtrip');
  const partitions = 6;
  assert.deepEqual(await ensureTopics(kafka, [{ topic, partitions }]), [topic]);
  assert.deepEqual(await ensureTopics(kafka, [{ topic, partitions }]), [], 'a second ensure creates nothing');

  const total = 10_000;
  const keys = Array.from({ length: 500 }, (_, i) => `bucket-a/dir ${i % 7}/obj-${i}-ü+%`);
  const sent = Array.from({ length: total }, (_, i) => ({ key: keys[i % keys.length], seq: i }));
  const producer = await createProducer(kafka);
  try {
    for (let i = 0; i < total; i += 1000) {
      const chunk = sent.slice(i, i + 1000);
      const acks = await producer.send(topic, chunk.map((m) => ({ key: m.key, value: Buffer.from(JSON.stringify(m)) })));
      assert.ok(acks.length > 0);
    }
  } finally {
    await producer.disconnect();
  }

  const received = await readUntil(kafka, topic, (ms) => ms.length >= total);
  assert.equal(received.length, total, 'no loss and no duplicates');

  const lastSeqPerKey = new Map<string, number>();
  const lastOffsetPerPartition = new Map<number, bigint>();
  const seen = new Set<number>();
  for (const m of received) {
    const body = JSON.parse(m.value!.toString()) as { key: string; seq: number };
    assert.equal(m.key!.toString(), body.key, 'key and value stay together');
    assert.equal(m.partition, partitionForKey(body.key, partitions), `${body.key} is in its murmur2 partition`);
    seen.add(body.seq);
    const prevSeq = lastSeqPerKey.get(body.key) ?? -1;
    assert.ok(body.seq > prevSeq, `per-key order: ${body.key} ${prevSeq} then ${body.seq}`);
    lastSeqPerKey.set(body.key, body.seq);
    const offset = BigInt(m.offset);
    const prevOffset = lastOffsetPerPartition.get(m.partition) ?? -1n;
    assert.ok(offset > prevOffset, 'offsets increase within a partition');
    lastOffsetPerPartition.set(m.partition, offset);
  }
  assert.equal(seen.size, total, 'every message arrived');

  const logDirs = process.env.KAFKA_LOG_DIRS;
  if (logDirs) {
    let stored = 0;
    for (let p = 0; p < partitions; p++) {
      const batches = storedBatches(logDirs, topic, p);
      for (const b of batches) assert.equal(b.compression, ZSTD, `batch at ${b.baseOffset} in partition ${p} is zstd`);
      stored += batches.reduce((n, b) => n + b.records, 0);
    }
    assert.equal(stored, total, 'the broker stored every record, all in zstd batches');
  } else {
    t.diagnostic('KAFKA_LOG_DIRS unset (external broker): on-disk compression not checked');
  }
});
