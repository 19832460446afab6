// One ObjectStore per (endpoint, rule): each counts its OSS requests under the rule's label, so a
// shared bus can charge each tenant for its requests.
import { createObjectStore } from './object-store.ts';
import type { CrrConfig } from '../../config/load.ts';
import type { CrrMetrics } from '../../metrics/metrics.ts';
import type { ObjectStore } from '../../ports/object-store.ts';

export function storeFactory(config: CrrConfig, metrics: CrrMetrics): (endpointName: string, ruleId?: string) => ObjectStore {
  const stores = new Map<string, ObjectStore>();
  return (name, ruleId = '') => {
    const key = `${name}/${ruleId}`;
    let store = stores.get(key);
    if (!store) {
      const ep = config.endpoint(name);
      store = createObjectStore({
        endpoint: ep.endpoint, region: ep.region, signatureVersion: ep.signatureVersion, timeoutMs: ep.timeoutMs, ...config.credentials(name),
        onRequest: (op, result) => metrics.ossRequests.inc({ rule: ruleId, op, result }),
      });
      stores.set(key, store);
    }
    return store;
  };
}
