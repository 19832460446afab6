// Benchmark: the listing poller on a large bucket with one change. Fills a bucket on a local OSS server, runs
// the poller in a child process (baseline poll, one overwrite, second poll) and prints one JSON object: keys,
// poll seconds, events published, the snapshot's size in the state topic, and the poller process's peak RSS
// (VmHWM) against its RSS before polling. The snapshot is held in memory as JSON-line chunks (the previous
// and the new one during a poll), so the peak grows with the bucket: the figure says how large a bucket fits.
//   node --import tsx bench/poller.ts [--keys 100000] [--concurrency 64] [--poller-heap-mb N]
// --poller-heap-mb caps the poller's V8 old space.
// Uses KAFKA_BROKERS when set, else starts the local broker on port 19092.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createKafka } from '../core/adapters/kafka/client.ts';
import { createProducer } from '../core/adapters/kafka/producer.ts';
import { topicOffsets } from '../core/adapters/kafka/offsets.ts';
import { ensureTopics } from '../core/adapters/kafka/topics.ts';
import { readTopicToEnd } from '../core/adapters/kafka/read-to-end.ts';
import { createOssClient } from '../core/adapters/oss/client.ts';
import { createObjectStore } from '../core/adapters/oss/object-store.ts';
import { CoalescingPublisher } from '../core/coalescing-publisher.ts';
import { createLogger } from '../core/logging.ts';
import { createMetrics } from '../core/metrics/metrics.ts';
import { start as startBroker } from '../deploy/local/kafka/broker.ts';
import { startOssServer } from '../deploy/local/oss/server.ts';
import { pollOnce, type PollerOptions, type PollResult } from '../producers/poller/poller.ts';
import { KafkaSnapshotStore, manifestKey, type SnapshotManifest } from '../producers/poller/snapshot-store.ts';
import { RuleIndex } from '../core/rule-index.ts';

interface ChildSetup { endpoint: string; region: string; bucket: string; topic: string; brokers: string; stateTopic: string }
type ChildReport = { poll: PollResult; seconds: number; rssMb: number; peakRssMb: number; maxRssMb: number };

/** kB figures of /proc/self/status (VmRSS, VmHWM), in MiB. */
function procStatus(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const keyOf = (n: number) => `logs/${String(n % 100).padStart(2, '0')}/object-${String(n).padStart(7, '0')}.json`;

/** The child: one poller process, polling when the parent says so and reporting its own memory. */
async function child(): Promise<void> {
  const setup = JSON.parse(process.env.BENCH_POLLER_SETUP!) as ChildSetup;
  const kafka = createKafka({ brokers: setup.brokers.split(','), clientId: 'bench-poller' });
  const producer = await createProducer(kafka);
  const store = createObjectStore({ endpoint: setup.endpoint, region: setup.region, accessKeyId: process.env.BENCH_POLLER_AK!,
    accessKeySecret: process.env.BENCH_POLLER_SK!, timeoutMs: 60_000 });
  const opts: PollerOptions = {
    buckets: [{ bucket: setup.bucket, region: setup.region, store }],
    rules: new RuleIndex([{ id: 'bench', source: { bucket: setup.bucket }, prefixes: [] }]),
    intervalMs: 60_000, publisher: new CoalescingPublisher(producer, setup.topic),
    metrics: createMetrics(new Registry()), logger: createLogger('bench-poller', 'warn'),
    snapshots: new KafkaSnapshotStore({ producer, topic: setup.stateTopic, logger: createLogger('bench-poller', 'warn'),
      readState: (onRecord) => readTopicToEnd(kafka, setup.stateTopic, onRecord) }),
  };
  const before = procStatus('VmRSS');
  process.on('message', (msg: string) => {
    if (msg === 'exit') {
      void producer.disconnect().then(() => process.exit(0));
      return;
    }
    const t0 = process.hrtime.bigint();
    void pollOnce(opts.buckets[0], opts).then((poll) => {
      const report: ChildReport = { poll, seconds: Number(process.hrtime.bigint() - t0) / 1e9, rssMb: before, peakRssMb: procStatus('VmHWM'),
        maxRssMb: process.resourceUsage().maxRSS / 1024 };
      process.send!(report);
    });
  });
  process.send!('ready');
}

async function parent(): Promise<void> {
  const { values } = parseArgs({ options: {
    keys: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '64' }, 'poller-heap-mb': { type: 'string' },
  } });
  const heapMb = values['poller-heap-mb'] === undefined ? undefined : Number(values['poller-heap-mb']);
  const keys = Number(values.keys);
  const concurrency = Number(values.concurrency);
  const brokers = process.env.KAFKA_BROKERS ?? (await startBroker({ port: 19092 })).brokers;
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-poller-parent' });
  const run = randomBytes(4).toString('hex');
  const topic = `bench-poller-${run}`;
  const stateTopic = `bench-poller-state-${run}`;
  await ensureTopics(kafka, [{ topic, partitions: 12 }, { topic: stateTopic, partitions: 1, cleanupPolicy: 'compact' }]);

  const work = await mkdtemp(join(tmpdir(), 'crr-bench-poller-'));
  const cred = { accessKeyId: 'bench-user', accessKeySecret: randomBytes(12).toString('hex'), principalId: 'bench-user' };
  const oss = await startOssServer({ region: 'oss-cn-hangzhou', dataDir: join(work, 'oss'), credentials: [cred] });
  const bucket = `bench-poller-${run}`;
  const client = createOssClient({ endpoint: oss.endpoint, region: oss.region, accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret, bucket });
  await client.putBucket(bucket);
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < keys) {
      const n = next++;
      await client.put(keyOf(n), Buffer.from(`{"n":${n}}`));
      if (n % 10_000 === 0) process.stderr.write(`\rfilling ${n}/${keys}`);
    }
  }));
  const fillSeconds = (Date.now() - t0) / 1000;
  process.stderr.write(`\rfilled ${keys} keys in ${fillSeconds.toFixed(1)} s\n`);

  const setup: ChildSetup = { endpoint: oss.endpoint, region: oss.region, bucket, topic, brokers, stateTopic };
  const poller = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx', ...(heapMb ? [`--max-old-space-size=${heapMb}`] : [])],
    env: { ...process.env, BENCH_POLLER_SETUP: JSON.stringify(setup), BENCH_POLLER_AK: cred.accessKeyId, BENCH_POLLER_SK: cred.accessKeySecret },
  });
  const nextMessage = <T>() => new Promise<T>((resolve, reject) => {
    poller.once('message', (m) => resolve(m as T));
    poller.once('exit', (code) => reject(new Error(`the poller process exited (${code})`)));
  });
  await nextMessage<'ready'>();
  poller.send('poll');
  const baseline = await nextMessage<ChildReport>();
  await client.put(keyOf(Math.floor(keys / 2)), Buffer.from('{"changed":true}'));
  poller.send('poll');
  const second = await nextMessage<ChildReport>();
  poller.send('exit');
  await new Promise((r) => poller.once('exit', r));

  const onTopic = (await topicOffsets(kafka, topic)).reduce((n, p) => n + Number(p.high), 0);
  let manifest: SnapshotManifest | undefined;
  await readTopicToEnd(kafka, stateTopic, (m) => {
    if (m.key?.toString() === manifestKey(bucket) && m.value) manifest = JSON.parse(m.value.toString()) as SnapshotManifest;
  });
  await oss.stop();
  await rm(work, { recursive: true, force: true });

  console.log(JSON.stringify({
    benchmark: 'listing-poller-one-change',
    keys,
    poller_heap_cap_mb: heapMb ?? null,
    fill_seconds: round(fillSeconds),
    baseline_poll: { seconds: round(baseline.seconds, 2), listed: baseline.poll.listed, published: baseline.poll.published },
    change_poll: { seconds: round(second.seconds, 2), listed: second.poll.listed, published: second.poll.published },
    events_on_topic: onTopic,
    poller_rss_before_polling_mb: round(baseline.rssMb),
    poller_peak_rss_mb: round(second.peakRssMb),
    poller_max_rss_mb: round(second.maxRssMb),
    snapshot_bytes: manifest?.bytes ?? null,
    snapshot_chunks: manifest?.chunks ?? null,
    goal: { events_published: 1 },
  }, null, 2));
  process.exit(second.poll.published === 1 && second.poll.listed === keys && onTopic === 1 ? 0 : 1);
}

if (process.argv.includes('--child')) await child();
else await parent();
