// The config a local stack runs on: the literal a `crr` YAML file would hold (it names environment
// variables, never secrets), and the environment that holds the secrets it names.
import type { z } from 'zod';
import type { configSchema } from '../../../core/config/schema.ts';

/** The config file's content before defaults apply. */
export type RawConfig = z.input<typeof configSchema>;
export type RawRule = RawConfig['rules'][number];
export type ProcessingOverrides = NonNullable<RawConfig['processing']>;
export type PollerConfig = NonNullable<NonNullable<RawConfig['capture']>['poller']>;

export interface EndpointSpec {
  endpoint: string;
  region: string;
  /** The key pair the config's processes sign with on this endpoint (in the environment)... */
  credentials: { accessKeyId: string; accessKeySecret: string };
  /** ...unless the endpoint names another source (an STS file, the ECS RAM role). */
  source?: { stsFile: string } | { ecsRamRole: { role?: string; metadataUrl: string } };
  caFile?: string;
  addressing?: 'virtual-hosted' | 'path';
  signatureVersion?: 'v1' | 'v4';
  timeoutMs?: number;
}

export interface StackConfigSpec {
  /** Names the run's topics (`<id>.` prefix), consumer group and Kafka client. */
  id: string;
  brokers: string[];
  /** Environment variables are named <envPrefix>_TOKEN and <envPrefix>_<ENDPOINT>_AK / _SK. */
  envPrefix: string;
  endpoints: Record<string, EndpointSpec>;
  rules: RawRule[];
  partitions: number;
  /** Replication of the run's topics (a cluster: replicationFactor 3, minInsyncReplicas 2). */
  replication?: { replicationFactor: number; minInsyncReplicas: number };
  /** The notification receiver's port and bearer token. */
  receiver?: { port: number; token: string };
  poller?: PollerConfig;
  replicatorPrincipals: string[];
  processing?: ProcessingOverrides;
  metricsPort: number;
}

export interface StackConfig { raw: RawConfig; env: Record<string, string> }

export function stackConfig(s: StackConfigSpec): StackConfig {
  const env: Record<string, string> = {};
  const endpoints: RawConfig['endpoints'] = {};
  for (const [name, ep] of Object.entries(s.endpoints)) {
    const base = `${s.envPrefix}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    let credentials: object = ep.source ?? {};
    if (!ep.source) {
      env[`${base}_AK`] = ep.credentials.accessKeyId;
      env[`${base}_SK`] = ep.credentials.accessKeySecret;
      credentials = { accessKeyIdEnv: `${base}_AK`, accessKeySecretEnv: `${base}_SK` };
    }
    endpoints[name] = { endpoint: ep.endpoint, region: ep.region, ...credentials, ...(ep.caFile ? { caFile: ep.caFile } : {}),
      ...(ep.addressing ? { addressing: ep.addressing } : {}), ...(ep.signatureVersion ? { signatureVersion: ep.signatureVersion } : {}), ...(ep.timeoutMs ? { timeoutMs: ep.timeoutMs } : {}) };
  }
  const capture: NonNullable<RawConfig['capture']> = { replicatorPrincipals: s.replicatorPrincipals };
  if (s.receiver) {
    env[`${s.envPrefix}_TOKEN`] = s.receiver.token;
    capture.receiver = { listen: `127.0.0.1:${s.receiver.port}`, path: '/events', tokenEnv: `${s.envPrefix}_TOKEN` };
  }
  if (s.poller) capture.poller = s.poller;
  const raw: RawConfig = {
    kafka: { brokers: s.brokers, clientId: s.id },
    topics: { prefix: `${s.id}.`, partitions: s.partitions, ...s.replication },
    endpoints,
    rules: s.rules,
    capture,
    processing: { groupId: s.id, ...s.processing },
    metrics: { listen: `127.0.0.1:${s.metricsPort}` },
  };
  return { raw, env };
}
