// One ObjectStore per (endpoint, rule): each counts its OSS requests under the rule's label, so a
// shared bus can charge each tenant for its requests. `wrap` lets a caller decorate each store once
// (the local stack times or observes writes with it).
import { createObjectStore } from './object-store.ts';
import type { CrrConfig } from '../../config/load.ts';
import type { CrrMetrics } from '../../metrics/metrics.ts';
import type { ObjectStore } from '../../ports/object-store.ts';

export type StoreWrapper = (store: ObjectStore, endpointName: string, ruleId: string) => ObjectStore;

export function storeFactory(config: CrrConfig, metrics: CrrMetrics, wrap?: StoreWrapper): (endpointName: string, ruleId?: string) => ObjectStore {
  const stores = new Map<string, ObjectStore>();
  return (name, ruleId = '') => {
    const key = `${name}/${ruleId}`;
    let store = stores.get(key);
    if (!store) {
      const ep = config.endpoint(name);
      store = createObjectStore({
        endpoint: ep.endpoint, region: ep.region, addressing: ep.cname ? 'cname' : ep.addressing, signatureVersion: ep.signatureVersion, timeoutMs: ep.timeoutMs, ...config.credentials(name),
        onRequest: (op, result) => metrics.ossRequests.inc({ rule: ruleId, op, result }),
      });
      if (wrap) store = wrap(store, name, ruleId);
      stores.set(key, store);
    }
    return store;
  };
}
