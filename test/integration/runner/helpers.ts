// Shared by the runner's integration tests: seeding a keyed topic, end and committed offsets (the adapter's),
// and checking per-key order of first handling.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import { createProducer } from '../../../core/adapters/kafka/producer.ts';

/** Publishes `count` messages over `keys` keys (`key-<i % keys>`), values `<i>`, `perSend` records per request. */
export async function seedKeyed(kafka: KafkaClient, topic: string, count: number, keys: number, perSend = 1000): Promise<void> {
  const producer = await createProducer(kafka);
  try {
    for (let from = 0; from < count; from += perSend) {
      const records = [];
      for (let i = from; i < Math.min(count, from + perSend); i++) records.push({ key: `key-${i % keys}`, value: Buffer.from(String(i)) });
      await producer.send(topic, records);
    }
  } finally {
    await producer.disconnect();
  }
}

export { committedOffsets, endOffsets } from '../../../core/adapters/kafka/offsets.ts';

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Handling {
  key: string;
  partition: number;
  offset: number;
}

/** Each key's offsets, in the order each was first handled, must be increasing. Returns the first violation. */
export function firstHandlingOrderViolation(handlings: Iterable<Handling>): string | undefined {
  const firstSeen = new Set<string>();
  const lastFirst = new Map<string, number>();
  for (const h of handlings) {
    const id = `${h.partition}@${h.offset}`;
    if (firstSeen.has(id)) continue;
    firstSeen.add(id);
    const prev = lastFirst.get(h.key);
    if (prev !== undefined && prev >= h.offset) return `key ${h.key}: offset ${h.offset} first handled after ${prev}`;
    lastFirst.set(h.key, h.offset);
  }
  return undefined;
}
