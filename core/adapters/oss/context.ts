// What every operation of the adapter shares: one ali-oss client per bucket on one endpoint, and the signed,
// classified, counted request.
import type OSS from 'ali-oss';
import { createOssClient } from './client.ts';
import { send, type RawResponse, type RequestHook, type RequestParams, type Scope } from './signed-request.ts';

export interface ObjectStoreOptions {
  endpoint: string;
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  signatureVersion?: 'v1' | 'v4';
  /** Per request; requests that carry a body get more time for each MiB they send. */
  timeoutMs?: number;
  /** Called once per OSS request, e.g. to count requests per rule or tenant. */
  onRequest?: RequestHook;
}

export interface StoreContext {
  timeoutMs: number;
  request(op: string, scope: Scope & { bucket: string }, params: Omit<RequestParams, 'bucket'>): Promise<RawResponse>;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

export function createStoreContext(opts: ObjectStoreOptions): StoreContext {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clients = new Map<string, OSS>();
  const clientFor = (bucket: string): OSS => {
    let client = clients.get(bucket);
    if (!client) {
      client = createOssClient({
        endpoint: opts.endpoint,
        region: opts.region,
        accessKeyId: opts.accessKeyId,
        accessKeySecret: opts.accessKeySecret,
        bucket,
        signatureVersion: opts.signatureVersion,
        timeoutMs,
      });
      clients.set(bucket, client);
    }
    return client;
  };
  return {
    timeoutMs,
    request: (op, scope, params) => send(clientFor(scope.bucket), op, scope, { ...params, bucket: scope.bucket }, opts.onRequest),
  };
}

/** Time for a request that sends `bytes`: the base timeout plus one second per MiB (a floor of 1 MiB/s). */
export function bodyTimeout(timeoutMs: number, bytes: number): number {
  return timeoutMs + Math.ceil(bytes / (1024 * 1024)) * 1000;
}
