// Shared setup for the adapter tests: a local OSS server, an ObjectStore on it that records every request it
// reports, fresh buckets, and bodies as streams. These tests are the path-style set: the store addresses
// buckets as /bucket/key (the pipeline suite runs virtual-hosted, on servers that refuse path style).
import { Readable } from 'node:stream';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import type { RequestResult } from '../../../core/adapters/oss/signed-request.ts';
import { startTestOss, uniqueBucket, type TestOss } from '../../helpers/oss.ts';

export interface StoreFixture {
  oss: TestOss;
  store: ObjectStore;
  /** Every request the store reported through onRequest, in order. */
  requests: { op: string; result: RequestResult; code?: string }[];
  bucket(opts?: { versioned?: boolean }): Promise<string>;
  storeWith(sig: 'v1' | 'v4', secret?: string): ObjectStore;
  stop(): Promise<void>;
}

export async function startStoreFixture(sig: 'v1' | 'v4' = 'v1'): Promise<StoreFixture> {
  const oss = await startTestOss();
  const requests: StoreFixture['requests'] = [];
  const storeWith = (s: 'v1' | 'v4', secret = oss.credentials.accessKeySecret) => createObjectStore({
    endpoint: oss.endpoint, region: oss.region, addressing: 'path', accessKeyId: oss.credentials.accessKeyId, accessKeySecret: secret, signatureVersion: s,
    timeoutMs: 10_000, onRequest: (op, result, code) => requests.push({ op, result, code }),
  });
  return {
    oss,
    store: storeWith(sig),
    requests,
    storeWith,
    async bucket(opts = {}) {
      const name = uniqueBucket(opts.versioned ? 'v' : 'u');
      const admin = oss.client();
      await admin.putBucket(name);
      if (opts.versioned) await admin.putBucketVersioning(name, 'Enabled');
      return name;
    },
    stop: () => oss.stop(),
  };
}

/** A deterministic body of `size` bytes. */
export function bytes(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** `body` as a stream of small chunks, so a PUT really streams. */
export function chunked(body: Buffer, chunkSize = 64 * 1024): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < body.length; i += chunkSize) yield body.subarray(i, i + chunkSize);
  })());
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
