// The config file's schema (YAML, validated once at start). Secrets never live in the file: it
// names the environment variables that hold them. Defaults sit in the schema, next to each field, once:
// an absent section is parsed as {} (`prefault`), so its fields' own defaults apply.
import { z } from 'zod';

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const encryptionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('AES256') }).strict(),
  z.object({ type: z.literal('SM4') }).strict(),
  z.object({ type: z.literal('KMS'), keyId: z.string().min(1).optional() }).strict(),
]);

/** TLS to Kafka: files are PEM, read at start. Without caFile the system CAs verify the broker. */
export const kafkaTlsSchema = z.object({
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  rejectUnauthorized: z.boolean().default(true),
}).strict();

export const endpointSchema = z.object({
  endpoint: z.string().url(),
  region: z.string().min(1),
  /**
   * Credentials, one source of: keys from the environment (accessKeyIdEnv + accessKeySecretEnv, with
   * securityTokenEnv for an STS triple), re-read on every request; an STS JSON file (stsFile), re-read when it
   * changes; or the ECS instance's RAM role (ecsRamRole), fetched from the metadata service and refreshed.
   */
  accessKeyIdEnv: envName.optional(),
  accessKeySecretEnv: envName.optional(),
  securityTokenEnv: envName.optional(),
  /** {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}, as `aliyun sts AssumeRole` prints it. */
  stsFile: z.string().min(1).optional(),
  ecsRamRole: z.object({
    /** Absent: the one role attached to the instance. */
    role: z.string().min(1).optional(),
    metadataUrl: z.string().url().default('http://100.100.100.200'),
  }).strict().optional(),
  /** PEM CA bundle that verifies an https endpoint instead of the system CAs; read at start. */
  caFile: z.string().min(1).optional(),
  /**
   * Requests go to the transfer acceleration endpoint (oss-accelerate.aliyuncs.com, or
   * oss-accelerate-overseas.aliyuncs.com for a region outside the Chinese mainland); signing keeps `region`.
   */
  accelerate: z.boolean().default(false),
  /** Another acceleration endpoint (a private one, or a local server in tests). */
  accelerateEndpoint: z.string().url().optional(),
  /** virtual-hosted: the bucket in the Host, as real OSS requires; path: /bucket/key, for servers set up for it. */
  addressing: z.enum(['virtual-hosted', 'path']).default('virtual-hosted'),
  /** The endpoint is a custom domain bound to one bucket: requests go to it as given. */
  cname: z.boolean().default(false),
  signatureVersion: z.enum(['v1', 'v4']).default('v4'),
  timeoutMs: z.number().int().positive().default(60_000),
}).strict();

export const ruleSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore'),
  source: z.object({ endpoint: z.string().min(1), bucket: z.string().min(3).max(63) }).strict(),
  destination: z.object({
    endpoint: z.string().min(1),
    bucket: z.string().min(3).max(63),
    storageClass: z.enum(['Standard', 'IA', 'Archive', 'ColdArchive']).optional(),
    encryption: encryptionSchema.optional(),
    /**
     * Bytes per second this rule may send to its destination (PUT bodies and multipart parts, real-time and
     * backfill), shared by every processor slot of one process; N processes send up to N times this.
     */
    maxBytesPerSecond: z.number().int().min(64 * 1024, 'must be at least 65536 (64 KiB/s)').optional(),
  }).strict(),
  prefixes: z.array(z.string()).default([]),
  action: z.enum(['ALL', 'PUT']).default('ALL'),
  twoWay: z.boolean().default(false),
  /** Replicate historical data: the first time the bus sees this rule, a backfill job copies what the source already holds. */
  historical: z.boolean().default(false),
  /** Source and destination may share a region (OSS's same-region replication); otherwise they must differ. */
  sameRegion: z.boolean().default(false),
  /**
   * Replicate SSE-KMS encrypted source objects (OSS's SseKmsEncryptedObjects), their replicas encrypted with
   * replicaKmsKeyId (OSS's ReplicaKmsKeyID); one needs the other. Without them such objects are skipped and
   * counted (outcome SKIPPED_KMS), never decrypted or re-encrypted.
   */
  replicateSseKms: z.boolean().default(false),
  replicaKmsKeyId: z.string().min(1).optional(),
}).strict();

export const configSchema = z.object({
  kafka: z.object({
    brokers: z.array(hostPort).min(1),
    clientId: z.string().min(1).default('crr'),
    /** true: TLS verified against the system CAs; an object: against a CA file, optionally with a client certificate. */
    ssl: z.union([z.boolean(), kafkaTlsSchema]).default(false),
    /** The password comes from the environment variable `passwordEnv` names. */
    sasl: z.object({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      passwordEnv: envName,
    }).strict().optional(),
  }).strict(),
  topics: z.object({
    prefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, dot, dash, underscore').default('crr.'),
    partitions: z.number().int().min(1).max(1000).default(12),
    replicationFactor: z.number().int().min(1).default(1),
    /** The topics' min.insync.replicas (an acks=all write needs this many replicas); unset: the broker's default. */
    minInsyncReplicas: z.number().int().min(1).optional(),
  }).strict().prefault({}),
  endpoints: z.record(z.string(), endpointSchema),
  rules: z.array(ruleSchema).min(1),
  capture: z.object({
    receiver: z.object({
      listen: hostPort.default('127.0.0.1:8787'),
      path: z.string().startsWith('/').default('/events'),
      tokenEnv: envName,
      maxBodyBytes: z.number().int().positive().default(16 * 1024 * 1024),
    }).strict().optional(),
    poller: z.object({
      /** Rule ids, or patterns where `*` stands for any characters (`"*"`: every rule, the rules topic's too). */
      rules: z.array(z.string().regex(/^[A-Za-z0-9._*-]{1,64}$/, 'must be a rule id or a pattern of one with * (1-64 letters, digits, dot, dash, underscore, *)')).min(1),
      intervalMs: z.number().int().min(100).default(30_000),
      /** Deprecated and ignored: the listing snapshots live in the state topic. Accepted so old configs start (with a warning). */
      stateDir: z.string().min(1).optional(),
    }).strict().optional(),
    /** Requester identities of the processors: changes they made are echoes, not new writes. */
    replicatorPrincipals: z.array(z.string()).default([]),
  }).strict().prefault({}),
  processing: z.object({
    groupId: z.string().min(1).default('crr-processors'),
    concurrency: z.number().int().min(1).max(4096).default(64),
    /** Keys in flight for backfill tasks: a budget of its own, so a large backfill never queues real-time changes behind it. */
    backfillConcurrency: z.number().int().min(1).max(4096).default(16),
    /** Keys the backfill planner decides per page; each page's tasks and the job's cursor are one Kafka transaction. */
    backfillPageKeys: z.number().int().min(1).max(100_000).default(1000),
    multipartThresholdBytes: z.number().int().min(100 * 1024).default(64 * 1024 * 1024),
    partSizeBytes: z.number().int().min(100 * 1024).default(16 * 1024 * 1024),
    partConcurrency: z.number().int().min(1).max(64).default(4),
    retries: z.number().int().min(0).max(100).default(8),
    /**
     * With two rules or more, the share of a lane's concurrency one rule may hold (at least one key): a rule whose
     * destination hangs holds at most these slots, and the other rules keep the rest.
     */
    ruleShare: z.number().gt(0).max(1).default(0.5),
    /** How often each rule checks that its buckets agree on versioning (a disagreement halts the rule). */
    versioningCheckMs: z.number().int().min(500).default(60_000),
    /**
     * The lease of a multipart upload this tool started: once no part has landed on it for this long (and no
     * copy of the process that looks writes it), it is a leftover of an interrupted copy and is aborted. The
     * janitor sweeps every max(5 s, half of it). Longer than any one part takes to upload.
     */
    abandonedUploadAgeMs: z.number().int().min(0).default(15 * 60 * 1000),
    /** How long a crashed member holds its partitions (the broker's minimum is 6 s). */
    sessionTimeoutMs: z.number().int().min(6000).max(300_000).default(30_000),
    /** GET /readyz fails when nothing finished for this long while messages wait (a stalled processor). */
    stalledAfterMs: z.number().int().min(1000).max(3_600_000).default(60_000),
    /** How long a rebalance waits for members to rejoin. */
    rebalanceTimeoutMs: z.number().int().min(1000).max(300_000).default(60_000),
    /**
     * How long a partition this processor gains waits before its work starts. The previous owner aborts its
     * OSS requests when it learns of the revoke (bench/handover.ts: at least ~20 ms before the new owner
     * starts); what the wait still covers is a write whose bytes were already sent, which OSS may apply
     * until it answers.
     */
    handoverGraceMs: z.number().int().min(0).max(60_000).default(500),
  }).strict().prefault({}),
  metrics: z.object({ listen: hostPort.default('127.0.0.1:9464') }).strict().prefault({}),
  /**
   * How long `crr capture` and `crr process` give in-flight work after SIGTERM before they close what is
   * left and exit 0 (under Kubernetes' default 30 s termination grace). Nothing acknowledged is lost at the
   * cut: a request not yet answered 200 is sent again by its notifier, uncommitted work is redelivered.
   */
  shutdownGraceMs: z.number().int().min(1000).max(600_000).default(25_000),
}).strict();

export type CrrConfigFile = z.infer<typeof configSchema>;
export type RuleConfig = z.infer<typeof ruleSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type EncryptionConfig = z.infer<typeof encryptionSchema>;
export type KafkaTlsConfig = z.infer<typeof kafkaTlsSchema>;
