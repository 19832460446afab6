// What every operation of the adapter shares: the transport (connection pool, signing) of its endpoint and
// credentials, and the signed, classified, counted request.
import type { BandwidthLimit } from './bandwidth-limit.ts';
import { sharedTransport, type TransportOptions } from './transport.ts';
import { send, type RawResponse, type RequestHook, type RequestParams, type Scope } from './signed-request.ts';

/** The transport's endpoint, addressing, credentials and TLS (see TransportOptions), and the store's own settings. */
export interface ObjectStoreOptions extends Omit<TransportOptions, 'timeoutMs'> {
  /** Per request; requests that carry a body get more time for each MiB they send. */
  timeoutMs?: number;
  /** Called once per OSS request, e.g. to count requests per rule or tenant. */
  onRequest?: RequestHook;
  /** Paces (and counts) the bodies this store sends: PUT and UploadPart (a rule's destination.maxBytesPerSecond). */
  uploadLimit?: BandwidthLimit;
}

export interface StoreContext {
  timeoutMs: number;
  uploadLimit?: BandwidthLimit;
  /** Every request of this context carries it (see ObjectStore.withSignal). */
  signal?: AbortSignal;
  request(op: string, scope: Scope & { bucket: string }, params: Omit<RequestParams, 'bucket'>): Promise<RawResponse>;
  /** The same endpoint, its requests carrying `signal` instead. */
  withSignal(signal: AbortSignal | undefined): StoreContext;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

export function createStoreContext(opts: ObjectStoreOptions): StoreContext {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport = sharedTransport({
    endpoint: opts.endpoint,
    region: opts.region,
    addressing: opts.addressing,
    accessKeyId: opts.accessKeyId,
    accessKeySecret: opts.accessKeySecret,
    securityToken: opts.securityToken,
    credentials: opts.credentials,
    ca: opts.ca,
    signatureVersion: opts.signatureVersion,
    timeoutMs,
  });
  const bound = (signal: AbortSignal | undefined): StoreContext => ({
    timeoutMs,
    uploadLimit: opts.uploadLimit,
    signal,
    request: (op, scope, params) => send(transport, op, scope, { ...params, bucket: scope.bucket, signal }, opts.onRequest),
    withSignal: bound,
  });
  return bound(undefined);
}

/** Time for a request that sends `bytes`: the base timeout plus one second per MiB (a floor of 1 MiB/s). */
export function bodyTimeout(timeoutMs: number, bytes: number): number {
  return timeoutMs + Math.ceil(bytes / (1024 * 1024)) * 1000;
}
