// Benchmark: what the hand-over grace (processing.handoverGraceMs) buys and costs. Two runners share a group
// on a real broker; the second joins while the first is busy, so partitions move with work in flight. Each
// handler models a reconcile: a read (`--read-ms`), then a write (`--write-ms`). Per grace value and per
// handler kind it reports:
//   - overlaps: a key started by the new owner while the previous owner's work on it still had an effect to
//     come (its handler running, or an aborted write still landing);
//   - the margin: how long after the previous owner's last effect on a moved key the new owner started it,
//     and how long after the previous owner was told to stop (its abort);
//   - the cost: time from a runner's start (and from the second runner's join) to its first handled message.
// Handler kinds: `ignores-signal` runs to the end whatever happens (the runner before aborts reached OSS);
// `honours-signal` stops at once when aborted, except a write under way, which still lands `--land-ms`
// after the abort (a PUT whose bytes are already on the wire). The ceiling is grace 0's time to first work.
//   node --import tsx bench/handover.ts [--graces 0,250,1000,3000] [--rounds 3] [--land-ms 50]
// Uses KAFKA_BROKERS when set, else starts the local broker on port 19092. Prints one JSON object.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createKafka, type KafkaClient } from '../core/adapters/kafka/client.ts';
import { createConsumer } from '../core/adapters/kafka/consumer.ts';
import { createProducer } from '../core/adapters/kafka/producer.ts';
import { deleteTopics, ensureTopics } from '../core/adapters/kafka/topics.ts';
import type { InboundMessage } from '../core/ports/bus.ts';
import { startRunner, type Runner } from '../processors/runner/key-ordered-runner.ts';
import { benchBrokers } from './lib/pipeline.ts';

const { values } = parseArgs({ options: {
  graces: { type: 'string', default: '0,250,1000,3000' }, rounds: { type: 'string', default: '3' },
  messages: { type: 'string', default: '400' }, keys: { type: 'string', default: '40' },
  'read-ms': { type: 'string', default: '20' }, 'write-ms': { type: 'string', default: '180' }, 'land-ms': { type: 'string', default: '50' },
  kinds: { type: 'string', default: 'ignores-signal,honours-signal' },
} });
const graces = values.graces.split(',').map(Number);
const rounds = Number(values.rounds);
const total = Number(values.messages);
const keys = Number(values.keys);
const readMs = Number(values['read-ms']);
const writeMs = Number(values['write-ms']);
const landMs = Number(values['land-ms']);
type Kind = 'ignores-signal' | 'honours-signal';
const kinds = values.kinds.split(',') as Kind[];

/** Sleeps, or rejects at once when the signal aborts (if `signal` is given). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  return sleep(ms, undefined, { signal }).catch(() => { throw signal.reason; });
}

interface RoundResult { overlaps: number; margins: number[]; abortGaps: number[]; firstA: number; firstBAfterJoin: number; movedKeys: number; seconds: number }

async function round(kafka: KafkaClient, grace: number, kind: Kind): Promise<RoundResult> {
  const topic = `bench-handover-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const groupId = `${topic}-g`;
  await ensureTopics(kafka, [{ topic, partitions: 4 }]);
  const producer = await createProducer(kafka);
  await producer.send(topic, Array.from({ length: total }, (_, i) => ({ key: `key-${i % keys}`, value: Buffer.from(String(i)) })));
  await producer.disconnect();

  // Per key: the previous owner's work on it ([start, end of its last effect]) and the new owner's first start.
  const aWork = new Map<string, [number, number][]>();
  const aAborts = new Map<string, number>(); // key → when the previous owner's work on it was told to stop
  const bFirst = new Map<string, number>();
  const handled = new Set<string>();
  const first: Partial<Record<'a' | 'b', number>> = {};
  const handle = (name: 'a' | 'b') => async (msg: InboundMessage, { signal }: { signal: AbortSignal }) => {
    const key = msg.key!.toString();
    const startedAt = performance.now();
    first[name] ??= startedAt;
    if (name === 'b' && !bFirst.has(key)) bFirst.set(key, startedAt);
    const honour = kind === 'honours-signal' ? signal : undefined;
    if (name === 'a') signal.addEventListener('abort', () => aAborts.set(key, performance.now()), { once: true });
    let writing = false;
    try {
      await pause(readMs, honour);
      writing = true;
      await pause(writeMs, honour);
      handled.add(`${msg.partition}@${msg.offset}`);
    } finally {
      if (name === 'a') {
        const end = performance.now() + (signal.aborted && writing && honour ? landMs : 0);
        aWork.set(key, [...(aWork.get(key) ?? []), [startedAt, end]]);
      }
    }
  };
  const open = () => createConsumer(kafka, { groupId, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 300 });
  const opts = { topics: [topic], fromBeginning: true, concurrency: 16, commitIntervalMs: 100, handoverGraceMs: grace };
  const t0 = performance.now();
  let a: Runner | undefined;
  let b: Runner | undefined;
  let bJoined = 0;
  const done = () => handled.size;
  try {
    a = await startRunner({ ...opts, consumer: await open(), handle: handle('a') });
    while (done() < 40) await sleep(5);
    b = await startRunner({ ...opts, consumer: await open(), handle: handle('b'),
      metrics: { onAssignment: () => { bJoined ||= performance.now(); } } });
    const deadline = Date.now() + 120_000;
    while (done() < total && Date.now() < deadline) await sleep(20);
  } finally {
    await a?.stop();
    await b?.stop();
    await deleteTopics(kafka, [topic]).catch(() => {});
  }
  // A moved key's margin: the new owner's first start minus the end of the previous owner's last effect
  // before it; negative is an overlap (both worked on the key at once).
  const margins: number[] = [];
  const abortGaps: number[] = [];
  for (const [key, sb] of bFirst) {
    const before = (aWork.get(key) ?? []).filter(([start]) => start < sb);
    if (before.length) margins.push(sb - Math.max(...before.map(([, end]) => end)));
    const abortedAt = aAborts.get(key);
    if (abortedAt !== undefined) abortGaps.push(sb - abortedAt);
  }
  return { overlaps: margins.filter((m) => m < 0).length, margins, abortGaps, firstA: (first.a ?? NaN) - t0, firstBAfterJoin: (first.b ?? NaN) - bJoined,
    movedKeys: bFirst.size, seconds: (performance.now() - t0) / 1000 };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const kafka = createKafka({ brokers: (await benchBrokers()).split(','), clientId: 'bench-handover' });
const cpu0 = process.cpuUsage();
const results: Record<string, unknown>[] = [];
for (const kind of kinds) {
  for (const grace of graces) {
    const rs: RoundResult[] = [];
    for (let i = 0; i < rounds; i++) rs.push(await round(kafka, grace, kind));
    const margins = rs.flatMap((r) => r.margins).sort((x, y) => x - y);
    const gaps = rs.flatMap((r) => r.abortGaps).sort((x, y) => x - y);
    results.push({
      handler: kind, handover_grace_ms: grace, rounds,
      overlaps: rs.map((r) => r.overlaps),
      moved_keys: rs.map((r) => r.movedKeys),
      margin_ms: margins.length ? { min: round1(margins[0]!), p50: round1(margins[Math.floor(margins.length / 2)]!) } : null,
      // From the previous owner's abort of a key's work to the new owner's first start of that key.
      abort_to_new_start_ms: gaps.length ? { min: round1(gaps[0]!), p50: round1(gaps[Math.floor(gaps.length / 2)]!), n: gaps.length } : null,
      first_work_after_start_ms: rs.map((r) => Math.round(r.firstA)),
      first_work_after_join_ms: rs.map((r) => Math.round(r.firstBAfterJoin)),
    });
  }
}
const cpu = process.cpuUsage(cpu0);
const ceiling = results.find((r) => r.handover_grace_ms === 0) as { first_work_after_start_ms: number[] } | undefined;
console.log(JSON.stringify({
  benchmark: 'handover',
  messages_per_round: total, keys, read_ms: readMs, write_ms: writeMs, land_ms: landMs,
  ceiling_first_work_after_start_ms: ceiling?.first_work_after_start_ms ?? null,
  results,
  cpu_ms_per_message: round1((cpu.user + cpu.system) / 1000 / (total * rounds * graces.length * kinds.length)),
}, null, 2));
process.exit(0);
