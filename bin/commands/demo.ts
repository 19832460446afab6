// crr demo (`npm start`): the quickstart on embedded defaults. Starts a local Kafka broker and two
// local OSS servers as two regions, runs capture and processing in this process, drives a demo
// workload on the source bucket with live progress, then verifies source against destination.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createKafka } from '../../core/adapters/kafka/client.ts';
import { consumerOpener } from '../../core/adapters/kafka/consumer.ts';
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../../core/adapters/kafka/topics.ts';
import { createOssClient, type OssClient } from '../../core/adapters/oss/client.ts';
import { busTopicSpecs } from '../../core/bus-topics.ts';
import { parseConfig } from '../../core/config/load.ts';
import { createLogger } from '../../core/logging.ts';
import { createMetrics, type CrrMetrics } from '../../core/metrics/metrics.ts';
import { serveMetrics } from '../../core/metrics/serve.ts';
import { start as startBroker, stop as stopBroker } from '../../deploy/local/kafka/broker.ts';
import { projectRoot } from '../../deploy/local/project-root.ts';
import { startOssServer } from '../../deploy/local/oss/server.ts';
import { startProcessing } from '../../processors/start-processing.ts';
import { verifyRule } from '../../processors/verify.ts';
import { startCapture } from '../../producers/capture.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';

const PORTS = { kafka: 19092, hangzhou: 19101, shanghai: 19102, receiver: 18787, metrics: 19464 };

async function counterTotal(metrics: CrrMetrics, name: 'reconciles' | 'eventsPublished', filter: (labels: Record<string, unknown>) => boolean = () => true): Promise<number> {
  const data = await metrics[name].get();
  return data.values.filter((v) => filter(v.labels)).reduce((n, v) => n + v.value, 0);
}

/** A mixed workload: puts of several sizes with headers, metadata, tags and ACLs; then overwrites, deletes, ACL and tag changes. */
async function runWorkload(client: OssClient, bucket: string, objects: number, progress: (done: number, total: number) => void): Promise<number> {
  const sizes = [0, 1024, 4096, 65_536, 1_048_576, 3_145_728];
  const ops: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < objects; i++) {
    const key = `demo/${i % 10}/object ${i}${i % 7 === 0 ? ' ü+%' : ''}.bin`;
    const size = sizes[i % sizes.length];
    ops.push(() => client.put(key, randomBytes(size), {
      headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'max-age=60', 'x-oss-tagging': `team=demo&n=${i}`, ...(i % 5 === 0 ? { 'x-oss-object-acl': 'public-read' } : {}) },
      meta: { owner: 'demo', index: String(i) },
    } as never));
  }
  for (let i = 0; i < objects; i += 5) ops.push(() => client.put(`demo/${i % 10}/object ${i}${i % 7 === 0 ? ' ü+%' : ''}.bin`, randomBytes(2048)));
  for (let i = 3; i < objects; i += 10) ops.push(() => client.delete(`demo/${i % 10}/object ${i}${i % 7 === 0 ? ' ü+%' : ''}.bin`));
  for (let i = 1; i < objects; i += 10) ops.push(() => client.putACL(`demo/${i % 10}/object ${i}${i % 7 === 0 ? ' ü+%' : ''}.bin`, 'private'));
  for (let i = 2; i < objects; i += 10) ops.push(() => client.putObjectTagging(`demo/${i % 10}/object ${i}${i % 7 === 0 ? ' ü+%' : ''}.bin`, { team: 'demo', stage: 'retagged' }));
  // Each phase runs after the previous one, so one key sees its operations in order (single writer).
  const phases = [ops.slice(0, objects), ops.slice(objects)];
  let done = 0;
  for (const phase of phases) {
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < phase.length) {
        await phase[next++]();
        progress(++done, ops.length);
      }
    }));
  }
  return ops.length;
}

export async function demoCommand(opts: { objects: string }): Promise<void> {
  const objects = Number(opts.objects);
  if (!Number.isInteger(objects) || objects < 1) {
    process.stderr.write(`--objects must be a positive whole number, got "${opts.objects}"\n`);
    process.exit(2);
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const run = randomBytes(3).toString('hex');
  const dataRoot = join(projectRoot, '.data', 'demo');
  rmSync(dataRoot, { recursive: true, force: true });

  say('crr demo: starting the local stack (first start fetches Kafka from Maven Central)');
  // KAFKA_BROKERS names a broker to use instead of starting the local one (the tests do this).
  const external = process.env.KAFKA_BROKERS;
  const broker = external
    ? { brokers: external, version: 'external', alreadyRunning: true }
    : await startBroker({ port: PORTS.kafka, log: say });
  const user = { accessKeyId: 'demo-user', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'demo-user' };
  const replicator = { accessKeyId: 'crr-replicator', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'crr-replicator' };
  const token = randomBytes(16).toString('hex');
  const receiverUrl = `http://127.0.0.1:${PORTS.receiver}/events`;
  const hz = await startOssServer({ region: 'oss-cn-hangzhou', port: PORTS.hangzhou, dataDir: join(dataRoot, 'oss-cn-hangzhou'),
    credentials: [user, replicator], webhooks: [{ url: receiverUrl, token }] });
  const sh = await startOssServer({ region: 'oss-cn-shanghai', port: PORTS.shanghai, dataDir: join(dataRoot, 'oss-cn-shanghai'), credentials: [user, replicator] });
  say(`  OSS region oss-cn-hangzhou on ${hz.endpoint}, oss-cn-shanghai on ${sh.endpoint}`);

  const source = `demo-src-${run}`;
  const destination = `demo-dst-${run}`;
  const userHz = createOssClient({ endpoint: hz.endpoint, region: hz.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret, bucket: source });
  const userSh = createOssClient({ endpoint: sh.endpoint, region: sh.region, accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret });
  await userHz.putBucket(source);
  await userSh.putBucket(destination);

  const env = { DEMO_HZ_AK: replicator.accessKeyId, DEMO_HZ_SK: replicator.accessKeySecret, DEMO_SH_AK: replicator.accessKeyId,
    DEMO_SH_SK: replicator.accessKeySecret, DEMO_TOKEN: token };
  const config = parseConfig({
    kafka: { brokers: [broker.brokers], clientId: 'crr-demo' },
    topics: { prefix: `crr-demo-${run}.`, partitions: 6 },
    endpoints: {
      hangzhou: { endpoint: hz.endpoint, region: hz.region, accessKeyIdEnv: 'DEMO_HZ_AK', accessKeySecretEnv: 'DEMO_HZ_SK' },
      shanghai: { endpoint: sh.endpoint, region: sh.region, accessKeyIdEnv: 'DEMO_SH_AK', accessKeySecretEnv: 'DEMO_SH_SK' },
    },
    rules: [{ id: 'demo-hz-to-sh', source: { endpoint: 'hangzhou', bucket: source }, destination: { endpoint: 'shanghai', bucket: destination }, action: 'ALL' }],
    capture: { receiver: { listen: `127.0.0.1:${PORTS.receiver}`, tokenEnv: 'DEMO_TOKEN' }, replicatorPrincipals: ['crr-replicator'] },
    processing: { groupId: `crr-demo-${run}`, concurrency: 64, multipartThresholdBytes: 2 * 1024 * 1024, partSizeBytes: 1024 * 1024 },
    metrics: { listen: `127.0.0.1:${PORTS.metrics}` },
  }, env, 'demo defaults');

  const logger = createLogger('crr-demo', process.env.CRR_LOG_LEVEL ?? 'warn');
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'crr-demo' });
  await ensureTopics(kafka, busTopicSpecs(config));
  const metrics = createMetrics(new Registry());
  const served = await serveMetrics(metrics.registry, config.metrics.listen);
  const producer = await createProducer(kafka);
  const storeFor = storeFactory(config, metrics);
  const capture = await startCapture({ config, producer, storeFor, metrics, logger, receiverToken: token }, { receiver: true, poller: false });
  const processing = await startProcessing({ config, openConsumer: consumerOpener(kafka), producer, storeFor, metrics, logger });
  say(`  Kafka ${broker.version} on ${broker.brokers}; topics prefixed ${config.topics.prefix}; metrics on ${served.url}`);
  say(`  rule demo-hz-to-sh: oss-cn-hangzhou/${source} -> oss-cn-shanghai/${destination}, action ALL`);

  let workloadDone = 0;
  let workloadTotal = 0;
  const started = Date.now();
  const status = async () => {
    const published = await counterTotal(metrics, 'eventsPublished');
    const copied = await counterTotal(metrics, 'reconciles', (l) => l.op === 'copy');
    const deleted = await counterTotal(metrics, 'reconciles', (l) => l.op === 'delete');
    const updated = await counterTotal(metrics, 'reconciles', (l) => l.op === 'update_attributes');
    const skipped = await counterTotal(metrics, 'reconciles', (l) => l.op === 'skip');
    const failed = await counterTotal(metrics, 'reconciles', (l) => l.result !== 'ok');
    const lag = Object.values(processing.runner.stats().lag).reduce((a, b) => a + b, 0);
    return `workload ${workloadDone}/${workloadTotal || '?'} ops | changes published ${published} | reconciled: ${copied} copies, ${deleted} deletes, ` +
      `${updated} updates, ${skipped} in sync, ${failed} failed | lag ${lag} msgs | ${((Date.now() - started) / 1000).toFixed(1)} s`;
  };
  const ticker = setInterval(() => void status().then((s) => process.stdout.write(`\r  ${s}   `)), 500);
  workloadTotal = objects + Math.ceil(objects / 5) + Math.ceil((objects - 3) / 10) + Math.ceil((objects - 1) / 10) + Math.ceil((objects - 2) / 10);
  await runWorkload(userHz, source, objects, (d) => (workloadDone = d));

  // Wait until the destination has converged (or give up after a minute), then verify and report.
  const verifyTarget = { source: storeFor('hangzhou'), sourceBucket: source, destination: storeFor('shanghai'), destinationBucket: destination,
    action: 'ALL' as const, versioned: false };
  let report = await verifyRule(verifyTarget);
  const deadline = Date.now() + 60_000;
  while (report.differences.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    report = await verifyRule(verifyTarget);
  }
  clearInterval(ticker);
  say(`\r  ${await status()}`);
  say('');
  say(`verification of ${source} against ${destination}: compared ${report.compared} keys (content crc64, content headers, user metadata, tags, ACL)`);
  say(`  in sync: ${report.inSync}; missing in destination: ${report.onlyInSource}; only in destination: ${report.onlyInDestination}; differing: ${report.differing}`);
  for (const d of report.differences.slice(0, 10)) say(`  - ${d.key}: ${d.problem}`);
  const delays = (await metrics.replicationDelay.get()).values.find((v) => v.metricName === 'crr_replication_delay_seconds_sum');
  const count = (await metrics.replicationDelay.get()).values.find((v) => v.metricName === 'crr_replication_delay_seconds_count');
  if (delays && count && count.value > 0) say(`  mean delay from source change to destination in sync: ${((delays.value / count.value) * 1000).toFixed(0)} ms over ${count.value} reconciles`);

  await capture.stop();
  await processing.stop();
  await producer.disconnect();
  await served.close();
  await hz.stop();
  await sh.stop();
  if (!broker.alreadyRunning) await stopBroker({ port: PORTS.kafka });
  say(report.differences.length === 0 ? 'demo done: the destination equals the source.' : 'demo done: differences remain (see above).');
  process.exit(report.differences.length === 0 ? 0 : 1);
}
