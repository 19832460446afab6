// A store whose acknowledged destination writes are reported: the replica is readable from that
// instant (what the benchmarks time a replication delay by).
import { decorateStore, type ObjectStore } from '../../../core/ports/object-store.ts';

export type WriteObserver = (key: string, at: number) => void;

export function observeWrites(outer: ObjectStore, onWrite: WriteObserver): ObjectStore {
  return decorateStore(outer, (store) => ({
    putObject: async (bucket, key, body, o) => {
      const r = await store.putObject(bucket, key, body, o);
      onWrite(key, Date.now());
      return r;
    },
    completeMultipart: async (bucket, key, uploadId, parts) => {
      const r = await store.completeMultipart(bucket, key, uploadId, parts);
      onWrite(key, Date.now());
      return r;
    },
  }));
}
