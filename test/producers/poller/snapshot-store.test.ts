// The poller's snapshot store over an in-memory fake of the state topic: a snapshot saved by one store is
// what a new store (a poller elsewhere) reads back; a save cut short leaves the previous snapshot in force;
// the next save tombstones every chunk no manifest names, so compaction leaves one generation; a manifest
// whose chunks are missing reads as no snapshot (a new baseline), not as a partial listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../core/logging.ts';
import type { BusProducer, InboundMessage, OutgoingRecord } from '../../../core/ports/bus.ts';
import { KafkaSnapshotStore, manifestKey } from '../../../producers/poller/snapshot-store.ts';
import { CHUNK_BYTES, readSnapshot, SnapshotWriter, type SnapshotEntry } from '../../../producers/poller/snapshot.ts';

class FakeStateTopic {
  records: { key: string; value: Buffer | null }[] = [];
  /** Sends fail once this many more records were appended (a crash or an outage mid-save). */
  failAfter = Infinity;

  producer(): BusProducer {
    return {
      send: async (_topic: string, records: OutgoingRecord[]) => {
        for (const r of records) {
          if (this.failAfter-- <= 0) throw new Error('broker gone');
          this.records.push({ key: String(r.key), value: r.value });
        }
        return [];
      },
      sendBatch: async () => [],
      disconnect: async () => {},
    };
  }

  read = async (onRecord: (m: InboundMessage) => void) => {
    this.records.forEach((r, i) => onRecord({ topic: 'state', partition: 0, offset: String(i), key: Buffer.from(r.key), value: r.value, headers: {}, timestamp: 0 }));
  };

  /** What compaction leaves: each key's latest value, tombstoned keys gone. */
  compacted(): Map<string, Buffer> {
    const latest = new Map<string, Buffer | null>();
    for (const r of this.records) latest.set(r.key, r.value);
    return new Map([...latest].filter((e): e is [string, Buffer] => e[1] !== null));
  }
}

const warnings: string[] = [];
const logger = createLogger('snapshot-store-test', 'warn', new Writable({ write(chunk, _enc, done) { warnings.push(String(chunk)); done(); } }));

function store(topic: FakeStateTopic): KafkaSnapshotStore {
  return new KafkaSnapshotStore({ producer: topic.producer(), topic: 'state', readState: topic.read, logger });
}

function snapshotOf(keys: string[]): { chunks: Buffer[]; entries: number } {
  const w = new SnapshotWriter();
  for (const key of keys) w.write({ key, versionId: null, etag: `e-${key}`, size: key.length, lastModified: 1_700_000_000_000, isDeleteMarker: false });
  return { chunks: w.finish(), entries: w.entries };
}

async function keysOf(chunks: Buffer[] | null): Promise<string[] | null> {
  if (!chunks) return null;
  const out: string[] = [];
  for await (const e of readSnapshot(chunks) as AsyncIterable<SnapshotEntry>) out.push(e.key);
  return out;
}

const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}/${'k'.repeat(200)}-${String(i).padStart(6, '0')}`);

test('chunks hold whole lines under CHUNK_BYTES, and read back in order', async () => {
  const keys = many('a', 5000);
  const { chunks, entries } = snapshotOf(keys);
  assert.equal(entries, 5000);
  assert.ok(chunks.length > 1);
  assert.ok(chunks.every((c) => c.length <= CHUNK_BYTES && c.at(-1) === 0x0a));
  assert.deepEqual(await keysOf(chunks), keys);
});

test('a snapshot saved by one store is what a new store reads back; none is null (a baseline)', async () => {
  const topic = new FakeStateTopic();
  const first = store(topic);
  assert.equal(await first.get('bkt'), null);
  const keys = many('a', 3000);
  const { chunks, entries } = snapshotOf(keys);
  await first.put('bkt', chunks, entries);
  assert.deepEqual(await keysOf(await store(topic).get('bkt')), keys);
  assert.equal(await store(topic).get('other-bucket'), null);
});

test('a save cut short leaves the previous snapshot in force; the next save tombstones what no manifest names', async () => {
  const topic = new FakeStateTopic();
  const v1 = snapshotOf(many('v1', 3000));
  await store(topic).put('bkt', v1.chunks, v1.entries);

  const v2 = snapshotOf(many('v2', 3000));
  topic.failAfter = 1; // one chunk of v2 lands, then the poller dies
  await assert.rejects(store(topic).put('bkt', v2.chunks, v2.entries), /broker gone/);
  topic.failAfter = Infinity;

  const resumed = store(topic);
  assert.deepEqual(await keysOf(await resumed.get('bkt')), await keysOf(v1.chunks), 'the manifest in force is still v1');
  const v3 = snapshotOf(many('v3', 3000));
  await resumed.put('bkt', v3.chunks, v3.entries);
  const left = topic.compacted();
  const manifest = JSON.parse(left.get(manifestKey('bkt'))!.toString()) as { generation: string; chunks: number };
  assert.equal(manifest.chunks, v3.chunks.length);
  assert.deepEqual([...left.keys()].sort(), [manifestKey('bkt'), ...v3.chunks.map((_, i) => `${manifestKey('bkt')}/${manifest.generation}/${i}`)].sort(),
    'after compaction: v3 and its manifest only (v1 and the orphan chunk of v2 tombstoned)');
  assert.deepEqual(await keysOf(await store(topic).get('bkt')), await keysOf(v3.chunks));
});

test('a manifest whose chunks are gone reads as no snapshot (a new baseline), with a warning', async () => {
  const topic = new FakeStateTopic();
  const v1 = snapshotOf(many('v1', 3000));
  await store(topic).put('bkt', v1.chunks, v1.entries);
  topic.records = topic.records.filter((r, i) => i !== 1);
  warnings.length = 0;
  assert.equal(await store(topic).get('bkt'), null);
  assert.match(warnings.join(''), /incomplete/);
});

test('a dropped snapshot (no rule polls the bucket any more) leaves nothing after compaction; other buckets keep theirs', async () => {
  const topic = new FakeStateTopic();
  const first = store(topic);
  const a = snapshotOf(many('a', 3000));
  const b = snapshotOf(many('b', 10));
  await first.put('bkt', a.chunks, a.entries);
  await first.put('kept', b.chunks, b.entries);
  await store(topic).drop('bkt');
  assert.deepEqual([...topic.compacted().keys()].filter((k) => k.startsWith(manifestKey('bkt') + '/') || k === manifestKey('bkt')), []);
  assert.equal(await store(topic).get('bkt'), null, 'the next poll of the bucket is a baseline');
  assert.deepEqual(await keysOf(await store(topic).get('kept')), await keysOf(b.chunks));
});
