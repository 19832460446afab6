// The local stack, wired once for the demo, the tests and the benchmarks: Kafka (given, or the local
// broker started), two local OSS regions (in this process or as children) that know an application
// user and the replicator, the rules' buckets, the config, the bus topics, metrics, stores, capture and
// processing. What differs between its users is an option or a hook; the parts are in deploy/local/stack/.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { createKafka } from '../../core/adapters/kafka/client.ts';
import { consumerOpener } from '../../core/adapters/kafka/consumer.ts';
import { brokerOffsets, endOffsets } from '../../core/adapters/kafka/offsets.ts';
import { createProducer, type BusProducer } from '../../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../../core/adapters/kafka/topics.ts';
import { readTopicToEnd } from '../../core/adapters/kafka/read-to-end.ts';
import { throwawayConsumerOpener } from '../../core/adapters/kafka/throwaway-group.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';
import { busTopicSpecs } from '../../core/bus-topics.ts';
import { parseConfig } from '../../core/config/load.ts';
import { createLogger } from '../../core/logging.ts';
import { createMetrics, type CrrMetrics } from '../../core/metrics/metrics.ts';
import { seedRules, startRulesView, type RulesView } from '../../core/rules/rules-view.ts';
import { serveMetrics, type MetricsEndpoint, type Readiness } from '../../core/metrics/serve.ts';
import { watchPublishing } from '../../core/publish-health.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { startProcessing, type Processing } from '../../processors/start-processing.ts';
import { verifyRule } from '../../processors/verify.ts';
import { ruleView } from '../../processors/rule-context.ts';
import { startCapture, type Capture } from '../../producers/capture.ts';
import { freePort } from './free-port.ts';
import { start as startBroker, stop as stopBroker, type BrokerOptions } from './kafka/broker.ts';
import { stackConfig } from './stack/config.ts';
import { waitConverged } from './stack/converged.ts';
import { spawnCrr } from './stack/crr-child.ts';
import { observeWrites } from './stack/observe-writes.ts';
import { makePrincipals } from './stack/principals.ts';
import { LOCAL_REGIONS, startRegion, type LocalRegion, type RegionName } from './stack/region.ts';
import type { KafkaSetup, LocalStack, LocalStackOptions, ProcessorChild } from './stack/types.ts';

export type * from './stack/types.ts';
export type { LocalRegion, RegionName } from './stack/region.ts';
export type { Principal, Principals } from './stack/principals.ts';
export type { ProcessingOverrides, RawConfig } from './stack/config.ts';

const regionNames = Object.keys(LOCAL_REGIONS) as RegionName[];

async function brokerFor(k: KafkaSetup): Promise<LocalStack['broker'] & { stopAtEnd?: BrokerOptions }> {
  if ('brokers' in k) return { brokers: k.brokers, version: 'external', started: false };
  const info = await startBroker(k.start);
  return { brokers: info.brokers.split(','), version: info.version, started: !info.alreadyRunning,
    stopAtEnd: k.stopAtEnd && !info.alreadyRunning ? k.start : undefined };
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const run = randomBytes(3).toString('hex');
  const id = `crr-${o.name}-${run}`;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), `crr-${o.name}-`));
  mkdirSync(dir, { recursive: true });
  const oss = o.oss ?? {};
  const addressing = oss.addressing ?? 'virtual-hosted';
  // Virtual-hosted runs refuse path-style bucket requests, as real OSS does: a client that sends one fails.
  const server = { forbidPathStyle: addressing === 'virtual-hosted', ...(oss.tls ? { tls: { cert: oss.tls.cert, key: oss.tls.key } } : {}), ...oss.server };
  const principals = makePrincipals();
  const receiverToken = randomBytes(16).toString('hex');
  const receiverPort = o.receiverPort ?? await freePort();
  const metricsPort = o.metricsPort ?? await freePort();
  const bucket = (short: string) => `${short}-${run}`;
  const rules = o.rules.map((r) => ({ ...r, sourceEndpoint: r.sourceEndpoint ?? 'hangzhou', destinationEndpoint: r.destinationEndpoint ?? 'shanghai' }));
  const sources = new Set<RegionName>(rules.map((r) => r.sourceEndpoint));
  const eventLogOf = (name: RegionName) => join(dir, `${name}-events.log`);

  // What runs so far, so that a failed start stops it as stop() does.
  let broker: Awaited<ReturnType<typeof brokerFor>> | undefined;
  const regionList: LocalRegion[] = [];
  let served: MetricsEndpoint | undefined;
  const producers: BusProducer[] = [];
  let capture: Capture | undefined;
  const processings: Processing[] = [];
  let rulesView: RulesView | undefined;
  const children: ProcessorChild[] = [];
  let stopped: Promise<void> | undefined;
  const shutdown = async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await capture?.stop();
    await Promise.all(processings.map((p) => p.stop().catch(() => {})));
    await rulesView?.stop();
    await Promise.all(producers.map((p) => p.disconnect()));
    await served?.close();
    await Promise.all(regionList.map((r) => r.stop()));
    if (broker?.stopAtEnd) await stopBroker(broker.stopAtEnd);
    if (!o.dir && !o.keepData) rmSync(dir, { recursive: true, force: true });
  };

  try {
    broker = await brokerFor(o.kafka);
    // Sources' events go to this stack's receiver unless told otherwise; without either, nowhere.
    const webhooks = oss.webhook ? [oss.webhook] : o.capture === false ? [] : [{ url: `http://127.0.0.1:${receiverPort}/events`, token: receiverToken }];
    const regions = Object.fromEntries(await Promise.all(regionNames.map(async (name) => {
      const region = await startRegion({
        name, region: LOCAL_REGIONS[name], dataDir: join(dir, LOCAL_REGIONS[name]), credentials: [principals.user, principals.replicator],
        mode: oss.mode, port: oss.ports?.[name], faults: oss.faults, server: oss.accounts?.[name] ? { ...server, accountId: oss.accounts[name] } : server, cpuProfileDir: oss.cpuProfileDir, addressing, ca: oss.tls?.ca,
        webhooks: sources.has(name) ? webhooks : [], eventLogFile: oss.eventLog && sources.has(name) ? eventLogOf(name) : undefined,
      });
      regionList.push(region);
      return [name, region] as const;
    }))) as Record<RegionName, LocalRegion>;

    const buckets = new Map<string, { short: string; endpoint: RegionName; versioned: boolean }>();
    const addBucket = (short: string, endpoint: RegionName, versioned = false) => buckets.set(`${endpoint}/${short}`, { short, endpoint, versioned });
    for (const r of rules) {
      addBucket(r.source, r.sourceEndpoint, r.versioned);
      addBucket(r.destination, r.destinationEndpoint, r.versioned);
    }
    for (const b of o.buckets ?? []) addBucket(b.bucket, b.endpoint, b.versioned);
    for (const b of buckets.values()) await regions[b.endpoint].createBucket(principals.user, bucket(b.short), b.versioned);

    const { raw, env } = stackConfig({
      id, brokers: broker.brokers, envPrefix: 'CRR', partitions: o.partitions ?? 6, replication: o.replication, metricsPort,
      endpoints: Object.fromEntries(regionNames.map((name) => [name, { endpoint: regions[name].configEndpoint, region: regions[name].region,
        credentials: principals.replicator, source: oss.endpointCredentials?.[name], caFile: oss.tls?.caFile, addressing, signatureVersion: oss.signatureVersion, timeoutMs: oss.timeoutMs }])),
      rules: rules.map((r) => ({ id: r.id, source: { endpoint: r.sourceEndpoint, bucket: bucket(r.source) },
        destination: { endpoint: r.destinationEndpoint, bucket: bucket(r.destination), ...(r.maxBytesPerSecond ? { maxBytesPerSecond: r.maxBytesPerSecond } : {}),
          ...(r.encryption ? { encryption: r.encryption } : {}) },
        action: r.action ?? 'ALL', ...(r.prefixes ? { prefixes: r.prefixes } : {}), ...(r.historical ? { historical: true } : {}),
        ...(r.replicateSseKms ? { replicateSseKms: true } : {}), ...(r.replicaKmsKeyId ? { replicaKmsKeyId: r.replicaKmsKeyId } : {}),
        ...(r.twoWay ? { twoWay: true } : {}) })),
      receiver: { port: receiverPort, token: receiverToken },
      replicatorPrincipals: [principals.replicator.principalId],
      processing: o.processing,
    });
    const config = parseConfig(raw, env, `${o.name} stack`);
    const configFile = join(dir, 'crr.yaml');
    writeFileSync(configFile, stringify(raw));

    const logger = o.logger ?? createLogger(`crr-${o.name}`, 'warn');
    // kafkajs's lines (the producer's failover guards among them) at the levels log-levels.ts gives them, as `crr` does.
    const kafka = createKafka({ brokers: config.kafka.brokers, clientId: id,
      logger: (level, message, extra) => { if (level !== 'debug') logger[level]({ kafka: extra }, message); } });
    await ensureTopics(kafka, busTopicSpecs(config));
    const metrics = createMetrics(new Registry());
    if (o.serveMetrics) served = await serveMetrics(metrics.registry, config.metrics.listen);
    const destinations = new Set<string>(rules.map((r) => r.destinationEndpoint));
    const storesFor = (m: CrrMetrics) => storeFactory(config, m, (store, endpointName, ruleId) => {
      const wrapped = o.hooks?.wrapStore?.(store, endpointName, ruleId) ?? store;
      const observer = o.hooks?.onDestinationWrite;
      return observer && destinations.has(endpointName) ? observeWrites(wrapped, observer) : wrapped;
    }, (id) => rulesView?.entries().get(id)?.rule ?? config.rules.find((r) => r.id === id));
    const storeFor = storesFor(metrics);
    const newProducer = async (component: 'capture' | 'processing') => {
      const p = await createProducer(kafka);
      producers.push(p);
      return o.hooks?.wrapProducer?.(component, p) ?? p;
    };
    const publishing = watchPublishing(await newProducer('capture'));
    const producer = publishing.producer;
    if (o.followRulesTopic) {
      const topic = config.topicNames.rules;
      const end = async () => BigInt((await endOffsets(kafka, topic)).get(0) ?? '0');
      rulesView = await startRulesView({ openConsumer: throwawayConsumerOpener(kafka), topic, group: `${id}-rules-view`, endpoints: config.endpoints, logger });
      await rulesView.caughtUp(await end());
      await seedRules({ view: rulesView, rules: config.rules, producer, topic, logger });
      await rulesView.caughtUp(await end());
    }
    if (o.capture !== false) {
      capture = await startCapture({ config, producer, storeFor, metrics, logger, receiverToken, liveRules: rulesView }, { receiver: true, poller: false });
    }
    // One process runs capture and processing here (the demo): its /readyz is both commands' checks at once.
    served?.setReadiness(() => stackReadiness(capture ? publishing.readiness() : undefined, processings.map((p) => p.readiness())));
    const ruleOf = (ruleId: string) => {
      const spec = rules.find((x) => x.id === ruleId);
      if (!spec) throw new Error(`no rule ${ruleId} in this stack`);
      return { spec, rule: config.rules.find((x) => x.id === ruleId)! };
    };

    const stack: LocalStack = {
      run, dir, principals, regions, raw, env, config, configFile, receiverToken, kafka, producer, metrics, logger, storeFor, capture, rulesView, processings, bucket,
      broker: { brokers: broker.brokers, version: broker.version, started: broker.started },
      metricsUrl: served?.url,
      writer: Object.fromEntries(regionNames.map((n) => [n, regions[n].store(principals.user, { timeoutMs: oss.writerTimeoutMs })])) as Record<RegionName, ObjectStore>,
      client: (endpoint, b) => regions[endpoint].client(principals.user, { bucket: b, timeoutMs: oss.writerTimeoutMs }),
      async startProcessing(s = {}) {
        const m = s.metrics ?? metrics;
        const processing = await startProcessing({
          config: s.groupId ? { ...config, processing: { ...config.processing, groupId: s.groupId } } : config,
          openConsumer: consumerOpener(kafka), lanes: s.lanes, producer: o.separateProducers ? await newProducer('processing') : producer, storeFor: s.metrics ? storesFor(m) : storeFor,
          metrics: m, logger, retryPolicy: s.retryPolicy ?? o.retryPolicy, brokerOffsets: brokerOffsets(kafka), liveRules: rulesView,
          readTopic: (topic, onRecord) => readTopicToEnd(kafka, topic, onRecord),
        });
        processings.push(processing);
        return processing;
      },
      async spawnProcessor(s = {}) {
        const port = await freePort();
        const file = join(dir, `crr-process-${port}.yaml`);
        writeFileSync(file, stringify({ ...raw, metrics: { listen: `127.0.0.1:${port}` },
          processing: { ...raw.processing, groupId: s.groupId ?? config.processing.groupId } }));
        const child = spawnCrr(['process', '--config', file],
          { env: { CRR_LOG_LEVEL: 'warn', ...process.env, ...env, ...s.env }, logFile: join(dir, 'processors.log') });
        const pc = { ...child, metricsUrl: `http://127.0.0.1:${port}/metrics` };
        children.push(pc);
        return pc;
      },
      eventsEmitted() {
        let n = 0;
        for (const name of sources) {
          try {
            n += readFileSync(eventLogOf(name), 'utf8').split('\n').filter(Boolean).length;
          } catch {
            // no event logged yet
          }
        }
        return n;
      },
      async verify(ruleId) {
        const { spec, rule } = ruleOf(ruleId);
        const view = ruleView(rule);
        return verifyRule({ source: storeFor(rule.source.endpoint), sourceBucket: rule.source.bucket, destination: storeFor(rule.destination.endpoint),
          destinationBucket: rule.destination.bucket, action: rule.action, versioned: Boolean(spec.versioned),
          encryption: view.encryption, replicaKmsKeyId: view.replicaKmsKeyId });
      },
      waitConverged: (ruleIds, timeoutMs) => waitConverged(stack, ruleIds, timeoutMs),
      stop: () => (stopped ??= shutdown()),
    };
    if (o.processingNow) await stack.startProcessing();
    return stack;
  } catch (err) {
    await shutdown();
    throw err;
  }
}

/** Capture's readiness (when it runs) and every processing's, one reason list; nothing started is not ready. */
function stackReadiness(capture: Readiness | undefined, processings: Readiness[]): Readiness {
  const parts = [...(capture ? [{ name: 'capture', r: capture }] : []), ...processings.map((r, i) => ({ name: processings.length > 1 ? `processing ${i + 1}` : 'processing', r }))];
  if (!parts.length) return { ready: false, reasons: ['starting: neither capture nor processing runs yet'] };
  const reasons = parts.flatMap(({ name, r }) => r.reasons.map((x) => `${name}: ${x}`));
  return { ready: parts.every(({ r }) => r.ready), reasons };
}
