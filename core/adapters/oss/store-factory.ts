// One ObjectStore per (endpoint, rule): each counts its OSS requests under the rule's label, so a
// shared bus can charge each tenant for its requests. A rule's destination store sends its bodies through the
// rule's one bandwidth limit (destination.maxBytesPerSecond), shared by every caller in this process.
// `wrap` lets a caller decorate each store once (the local stack times or observes writes with it).
import { bandwidthLimit, type BandwidthLimit } from './bandwidth-limit.ts';
import { createObjectStore } from './object-store.ts';
import type { CredentialSource, CrrConfig } from '../../config/load.ts';
import type { EndpointConfig, RuleConfig } from '../../config/schema.ts';
import type { CredentialsProvider } from '../../ports/credentials.ts';
import { accelerateHost } from '../../oss-regions.ts';
import { ecsRamRoleCredentials } from './credentials/ecs-ram-role.ts';
import { envCredentials } from './credentials/env.ts';
import { stsFileCredentials } from './credentials/sts-file.ts';
import type { CrrMetrics } from '../../metrics/metrics.ts';
import type { ObjectStore } from '../../ports/object-store.ts';

export type StoreWrapper = (store: ObjectStore, endpointName: string, ruleId: string) => ObjectStore;

/**
 * `ruleOf` finds a rule by id (default: in config.rules); a live rule set passes its own, so a rule added on the
 * rules topic gets its stores and its bandwidth limit when its first store is asked for.
 */
export function storeFactory(config: CrrConfig, metrics: CrrMetrics, wrap?: StoreWrapper,
  ruleOf: (id: string) => RuleConfig | undefined = (id) => config.rules.find((r) => r.id === id)): (endpointName: string, ruleId?: string) => ObjectStore {
  const stores = new Map<string, ObjectStore>();
  // One provider per endpoint: its rules' stores share the held credentials (and one metadata fetch).
  const providers = new Map<string, CredentialsProvider>();
  const providerFor = (name: string) => {
    let p = providers.get(name);
    if (!p) providers.set(name, (p = credentialsProvider(config.credentialSource(name))));
    return p;
  };
  const limits = new Map<string, BandwidthLimit>();
  const limitOf = (rule: RuleConfig) => {
    let limit = limits.get(rule.id);
    if (!limit) {
      const bytesPerSecond = rule.destination.maxBytesPerSecond;
      if (bytesPerSecond !== undefined) metrics.destinationBandwidthLimit.set({ rule: rule.id }, bytesPerSecond);
      limits.set(rule.id, (limit = bandwidthLimit({ bytesPerSecond, onBytes: (n) => metrics.destinationBytesSent.inc({ rule: rule.id }, n) })));
    }
    return limit;
  };
  for (const rule of config.rules) limitOf(ruleOf(rule.id) ?? rule);
  return (name, ruleId = '') => {
    const key = `${name}/${ruleId}`;
    let store = stores.get(key);
    if (!store) {
      const ep = config.endpoint(name);
      store = createObjectStore({
        endpoint: requestEndpoint(ep), region: ep.region, addressing: ep.cname ? 'cname' : ep.addressing, signatureVersion: ep.signatureVersion,
        timeoutMs: ep.timeoutMs, credentials: providerFor(name), ca: config.ca(name),
        onRequest: (op, result) => metrics.ossRequests.inc({ rule: ruleId, op, result }),
        uploadLimit: (() => {
          const rule = ruleOf(ruleId);
          return rule?.destination.endpoint === name ? limitOf(rule) : undefined;
        })(),
      });
      if (wrap) store = wrap(store, name, ruleId);
      stores.set(key, store);
    }
    return store;
  };
}

export function credentialsProvider(source: CredentialSource): CredentialsProvider {
  switch (source.kind) {
    case 'env': return envCredentials(source.env, source);
    case 'sts-file': return stsFileCredentials(source.file);
    case 'ecs-ram-role': return ecsRamRoleCredentials({ role: source.role, metadataUrl: source.metadataUrl });
  }
}

/** Where requests go: the endpoint, or with acceleration the acceleration endpoint (same scheme). */
export function requestEndpoint(ep: EndpointConfig): string {
  if (!ep.accelerate) return ep.endpoint;
  return ep.accelerateEndpoint ?? `${new URL(ep.endpoint).protocol}//${accelerateHost(ep.region)}`;
}
