// The local stack's options and handle (deploy/local/stack.ts builds it).
import type { KafkaClient } from '../../../core/adapters/kafka/client.ts';
import type { BusProducer } from '../../../core/adapters/kafka/producer.ts';
import type { OssClient } from '../../../core/adapters/oss/client.ts';
import type { CrrConfig } from '../../../core/config/load.ts';
import type { Logger } from '../../../core/logging.ts';
import type { CrrMetrics } from '../../../core/metrics/metrics.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import type { RetryPolicy } from '../../../core/retry.ts';
import type { RulesView } from '../../../core/rules/rules-view.ts';
import type { Lane, Processing } from '../../../processors/start-processing.ts';
import type { VerifyReport } from '../../../processors/verify.ts';
import type { Capture } from '../../../producers/capture.ts';
import type { BrokerOptions } from '../kafka/broker.ts';
import type { FaultConfig, WebhookTarget } from '../oss/server.ts';
import type { ProcessingOverrides, RawConfig } from './config.ts';
import type { CrrChild } from './crr-child.ts';
import type { Principals } from './principals.ts';
import type { LocalRegion, RegionMode, RegionName, RegionOptions } from './region.ts';

export interface StackRule {
  id: string;
  /** Bucket short names; the real names carry the run's suffix (see bucket()). */
  source: string;
  destination: string;
  /** Sources live on hangzhou and destinations on shanghai unless named. */
  sourceEndpoint?: RegionName;
  destinationEndpoint?: RegionName;
  action?: 'ALL' | 'PUT';
  versioned?: boolean;
  prefixes?: string[];
  /** The rule's historical option: its first sight starts a backfill job. */
  historical?: boolean;
  /** The rule's destination.maxBytesPerSecond. */
  maxBytesPerSecond?: number;
  /** The rule's destination.encryption, as the config spells it. */
  encryption?: { type: 'AES256' | 'SM4' } | { type: 'KMS'; keyId?: string };
  /** The rule's replicateSseKms and replicaKmsKeyId. */
  replicateSseKms?: boolean;
  replicaKmsKeyId?: string;
  /** One half of a mutual pair (its reverse rule must be in the stack too, with twoWay). */
  twoWay?: boolean;
}

/** Kafka: brokers that already run, or the local broker started (and left running unless stopAtEnd). */
export type KafkaSetup = { brokers: string[] } | { start: BrokerOptions; stopAtEnd?: boolean };

export interface StackHooks {
  /** A destination PUT or multipart completion was acknowledged: the replica is readable from `at`. */
  onDestinationWrite?: (key: string, at: number) => void;
  /** Wraps each store the pipeline uses (e.g. to time its requests). */
  wrapStore?: (store: ObjectStore, endpointName: string, ruleId: string) => ObjectStore;
  wrapProducer?: (component: 'capture' | 'processing', producer: BusProducer) => BusProducer;
}

export type EndpointCredentials = { stsFile: string } | { ecsRamRole: { role?: string; metadataUrl: string } };

export interface StackOssOptions {
  mode?: RegionMode;
  /** Fixed ports (the demo's); by default the OS picks. */
  ports?: Partial<Record<RegionName, number>>;
  /** Faults in force from the start, on every region. */
  faults?: FaultConfig;
  /** Source regions keep an event log (see eventsEmitted()). */
  eventLog?: boolean;
  /** Where source regions send their events; by default this stack's receiver (none when capture is false). */
  webhook?: WebhookTarget;
  /** The servers' own options, passed through. */
  server?: RegionOptions['server'];
  /** A region's account (its objects' owner), e.g. cross-account replication; by default both share the server's. */
  accounts?: Partial<Record<RegionName, string>>;
  cpuProfileDir?: string;
  /**
   * How every client of the stack names buckets: virtual-hosted (the default, as real OSS wants; the servers
   * then refuse path-style bucket requests, as real OSS does, so a path-style request fails the run) or path.
   */
  addressing?: 'virtual-hosted' | 'path';
  /**
   * HTTPS: the servers serve this certificate, the config's endpoints are https://127.0.0.1:<port> with
   * caFile, and the stack's own clients trust the CA (see LocalRegion.configEndpoint).
   */
  tls?: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer; caFile: string };
  /** Per endpoint, the config's credentials instead of the replicator's keys in the environment (stsFile, ecsRamRole). */
  endpointCredentials?: Partial<Record<RegionName, EndpointCredentials>>;
  /** Endpoint options of the config (what capture and processing use). */
  signatureVersion?: 'v1' | 'v4';
  timeoutMs?: number;
  /** Timeout of the application's stores and clients (writer, client()). */
  writerTimeoutMs?: number;
}

export interface LocalStackOptions {
  /** Names the run: topics crr-<name>-<run>.*, group and client crr-<name>-<run>. */
  name: string;
  kafka: KafkaSetup;
  rules: StackRule[];
  /** Buckets no rule names (a benchmark's ceiling destination), by short name. */
  buckets?: { bucket: string; endpoint: RegionName; versioned?: boolean }[];
  partitions?: number;
  /** Replication of the run's topics (default: the config's, 1 and 1). */
  replication?: { replicationFactor: number; minInsyncReplicas: number };
  /** Data, config and logs; by default a temporary folder that stop() removes (unless keepData). */
  dir?: string;
  keepData?: boolean;
  oss?: StackOssOptions;
  receiverPort?: number;
  metricsPort?: number;
  /** Serve /metrics on metricsPort while the stack runs. */
  serveMetrics?: boolean;
  /** Merged over { groupId } in the config's processing section. */
  processing?: ProcessingOverrides;
  /** The notification receiver in this process (default true). */
  capture?: boolean;
  /**
   * In-process capture and processing follow the rules topic, seeded with the stack's rules, as `crr capture`
   * and `crr process` do (default false: the config's rules, fixed). `crr process` children always follow it.
   */
  followRulesTopic?: boolean;
  /** Start one processing in this process now (default false: call startProcessing()). */
  processingNow?: boolean;
  /** Capture and each processing get their own producer, as separate processes would (default: one shared). */
  separateProducers?: boolean;
  /** Retry policy of in-process processing (default: the config's). */
  retryPolicy?: RetryPolicy;
  logger?: Logger;
  hooks?: StackHooks;
}

export interface ProcessorChild extends CrrChild { metricsUrl: string }

export interface LocalStack {
  run: string;
  dir: string;
  broker: { brokers: string[]; version: string; started: boolean };
  principals: Principals;
  regions: Record<RegionName, LocalRegion>;
  raw: RawConfig;
  /** The secrets the config names (the replicator's keys, the receiver token), for `crr` children. */
  env: Record<string, string>;
  config: CrrConfig;
  configFile: string;
  receiverToken: string;
  kafka: KafkaClient;
  /** Capture's producer (and in-process processing's, unless separateProducers). */
  producer: BusProducer;
  metrics: CrrMetrics;
  metricsUrl?: string;
  logger: Logger;
  /** The replicator's stores, counted in `metrics` (what in-process capture and processing use). */
  storeFor: (endpointName: string, ruleId?: string) => ObjectStore;
  /** The application's own stores, on each region. */
  writer: Record<RegionName, ObjectStore>;
  /** An ali-oss client as the application (the independent client). */
  client(endpoint: RegionName, bucket?: string): OssClient;
  bucket(short: string): string;
  capture?: Capture;
  /** The rules topic as in-process capture and processing follow it (with followRulesTopic). */
  rulesView?: RulesView;
  processings: Processing[];
  /** Processing in this process; `lanes` as startProcessing takes them (default: the changes lane in the config's group, or `groupId`). */
  startProcessing(o?: { retryPolicy?: RetryPolicy; groupId?: string; metrics?: CrrMetrics; lanes?: Lane[] }): Promise<Processing>;
  /** A `crr process` child on this stack's config (own metrics port; optionally another consumer group). */
  spawnProcessor(o?: { env?: NodeJS.ProcessEnv; groupId?: string }): Promise<ProcessorChild>;
  /** Events the source regions emitted so far (needs oss.eventLog). */
  eventsEmitted(): number;
  verify(ruleId: string): Promise<VerifyReport>;
  /** Polls until every named rule verifies with no difference; throws with the last report otherwise. */
  waitConverged(ruleIds: string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}
