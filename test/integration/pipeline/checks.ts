// Outcome checks shared by the pipeline tests: quiescence, destination snapshots, byte-for-byte spot
// checks, open multipart uploads, topic message counts and decoded outcomes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { committedOffsets, topicOffsets } from '../../../core/adapters/kafka/offsets.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { differences } from '../../../processors/reconcile/in-sync.ts';
import type { Processing } from '../../../processors/start-processing.ts';
import { decode } from '../../../schemas/codec.ts';
import type { ReplicationOutcome } from '../../../schemas/types.ts';
import { readUntil } from '../../helpers/kafka.ts';
import { metricSum, waitFor, type Stack } from '../../helpers/pipeline.ts';

/** Messages a topic holds (no compaction, no transactions on the bus topics). */
export async function topicCount(kafka: KafkaClient, topic: string): Promise<number> {
  return (await topicOffsets(kafka, topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

/** Lag of a consumer group on a topic: end offsets minus committed offsets (uncommitted partitions count whole). */
export async function groupLag(kafka: KafkaClient, groupId: string, topic: string): Promise<number> {
  const ends = await topicOffsets(kafka, topic);
  const committed = await committedOffsets(kafka, groupId, topic);
  return ends.reduce((n, p) => {
    const c = Number(committed.get(p.partition) ?? -1);
    return n + Number(p.high) - (c < 0 ? Number(p.low) : c);
  }, 0);
}

const idle = (p: Processing) => {
  const s = p.runner.stats();
  return s.inFlight === 0 && s.buffered === 0 && Object.values(s.lag).every((l) => l === 0);
};

/** Every event the source emitted was captured, and the in-process processors have finished and committed everything. */
export async function settle(stack: Stack, processings: Processing[], timeoutMs = 60_000): Promise<void> {
  let quiet = 0;
  await waitFor('the pipeline to settle', async () => {
    const received = await metricSum(stack.metrics.eventsReceived);
    const ok = received >= stack.eventsEmitted() && processings.every(idle)
      && (await groupLag(stack.kafka, stack.config.processing.groupId, stack.config.topicNames.changes)) === 0;
    quiet = ok ? quiet + 1 : 0;
    return quiet >= 3;
  }, timeoutMs, 300);
}

/** Every object (version) of a bucket with everything "in sync" covers, to compare a destination before and after. */
export async function snapshot(store: ObjectStore, bucket: string, versioned: boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const page of versioned ? store.listObjectVersions(bucket) : store.listObjects(bucket)) {
    for (const o of page) {
      const h = o.isDeleteMarker ? null : await store.headObject(bucket, o.key, versioned ? o.versionId : undefined);
      out.push(JSON.stringify([o.key, o.versionId ?? null, o.isDeleteMarker ?? false, o.etag, o.lastModified,
        h && { crc: h.crc64, headers: h.headers, meta: h.userMeta, tags: h.tags, acl: h.acl }]));
    }
  }
  return out;
}

async function sha(store: ObjectStore, bucket: string, key: string): Promise<string> {
  const { stream } = await store.getObject(bucket, key);
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Byte-for-byte and attribute comparison of the latest state of `keys` on both sides. Returns how many existed. */
export async function spotCheck(source: ObjectStore, sourceBucket: string, destination: ObjectStore, destinationBucket: string,
  keys: string[]): Promise<number> {
  let present = 0;
  for (const key of keys) {
    const [a, b] = await Promise.all([source.headObject(sourceBucket, key), destination.headObject(destinationBucket, key)]);
    if (!a) {
      assert.equal(b, null, `${key}: deleted on the source but present on the destination`);
      continue;
    }
    assert.ok(b, `${key}: missing on the destination`);
    present++;
    assert.deepEqual(differences(a, b), [], `${key}: attributes differ`);
    assert.equal(await sha(destination, destinationBucket, key), await sha(source, sourceBucket, key), `${key}: bytes differ`);
  }
  return present;
}

export async function openUploads(store: ObjectStore, bucket: string): Promise<number> {
  return (await store.listMultipartUploads(bucket)).length;
}

export async function readOutcomes(kafka: KafkaClient, topic: string, count: number): Promise<ReplicationOutcome[]> {
  if (count === 0) return [];
  const messages = await readUntil(kafka, topic, (m) => m.length >= count, 30_000);
  return messages.map((m) => decode('ReplicationOutcome', m.value!));
}

export type Sample = { name: string; labels: Record<string, string>; value: number };

export function sampleSum(samples: Sample[], name: string, filter: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((s) => s.name === name && filter(s.labels)).reduce((n, s) => n + s.value, 0);
}

/** Reconciles that must each have published an outcome: they changed the destination or failed. */
export const changedOrFailed = (l: Record<string, unknown>) => l.result !== 'no_rule' && (l.op !== 'skip' || l.result !== 'ok');

/** Every event the source emitted was captured, and `groupId` has committed the whole changes topic. */
export async function drained(stack: Stack, groupId = stack.config.processing.groupId, timeoutMs = 120_000): Promise<void> {
  let quiet = 0;
  await waitFor(`group ${groupId} to drain the changes topic`, async () => {
    const ok = (await metricSum(stack.metrics.eventsReceived)) >= stack.eventsEmitted()
      && (await groupLag(stack.kafka, groupId, stack.config.topicNames.changes)) === 0;
    quiet = ok ? quiet + 1 : 0;
    return quiet >= 3;
  }, timeoutMs, 300);
}
