// The bus's records as they go on the wire, built in one place: every message about one object is keyed
// `bucket/key` (the source bucket's on changes and dead letters, the destination's on outcomes; see
// schemas/README.md), and an ObjectChange is made here for each way a trigger arises.
import { randomUUID } from 'node:crypto';
import { CrrError } from '../core/errors.ts';
import { encode } from './codec.ts';
import type { ObjectChange, ReplicationOutcome } from './types.ts';

export interface BusRecord { key: string; value: Buffer }

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The Kafka key of a message about one object; the murmur2 partitioner puts all of them in one partition.
 * A key with a lone UTF-16 surrogate is refused: Kafka would carry it as one U+FFFD and the Avro value as
 * three, so the two would name different objects (OSS stores UTF-8 keys, so no listing yields one).
 */
export function objectKey(bucket: string, key: string): string {
  const text = `${bucket}/${key}`;
  if (LONE_SURROGATE.test(text)) {
    throw new CrrError(`object key ${JSON.stringify(text)} holds a lone UTF-16 surrogate`, { code: 'INVALID_RECORD', stage: 'publish', context: { bucket } });
  }
  return text;
}

export function changeRecord(change: ObjectChange): BusRecord {
  return { key: objectKey(change.sourceBucket, change.key), value: encode('ObjectChange', change) };
}

export function outcomeRecord(outcome: ReplicationOutcome): BusRecord {
  return { key: objectKey(outcome.destinationBucket, outcome.key), value: encode('ReplicationOutcome', outcome) };
}

/** What every change states; what a capture source does not know (version, etag, size, requester, ...) is null. */
export type ChangeFields = Pick<ObjectChange, 'eventId' | 'ruleIds' | 'sourceBucket' | 'region' | 'key' | 'operation' | 'eventTime' |
  'captureTime' | 'captureSource' | 'eventName'> & Partial<ObjectChange>;

export function newChange(fields: ChangeFields): ObjectChange {
  return { versionId: null, etag: null, size: null, requester: null, origin: null, sequence: null, ...fields };
}

/** A trigger to reconcile one key under one rule whatever happened to it (`crr verify --repair`). */
export function repairChange(rule: { id: string; sourceBucket: string; region: string }, key: string, now: number): ObjectChange {
  return newChange({ eventId: `repair:${randomUUID()}`, ruleIds: [rule.id], sourceBucket: rule.sourceBucket, region: rule.region, key,
    operation: 'UNKNOWN', eventTime: now, captureTime: now, captureSource: 'REPAIR', eventName: 'Repair' });
}

/** A dead-lettered change published again (`crr dlq replay`), for the rule it failed under when the letter names one. */
export function replayChange(change: ObjectChange, ruleId: string | undefined, now: number): ObjectChange {
  return { ...change, ruleIds: ruleId ? [ruleId] : change.ruleIds, captureSource: 'REPLAY', captureTime: now };
}

/** The same change as a repair under the opposite rule of a two-way pair, whose source is `sourceBucket`. */
export function oppositeChange(change: ObjectChange, rule: { id: string; sourceBucket: string }): ObjectChange {
  return { ...change, ruleIds: [rule.id], sourceBucket: rule.sourceBucket, captureSource: 'REPAIR' };
}
