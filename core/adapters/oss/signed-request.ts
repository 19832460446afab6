// One signed OSS request through ali-oss's request pipeline (V1/V4 signing, URL building, timeouts), with every
// failure classified by the error table and reported once to the onRequest hook.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import type { Stage } from '../../errors.ts';
import { classifyOssError, type ErrorScope } from './error-table.ts';

/** The parameters ali-oss 6.23's `request()` takes (lib/client.js). Sub-resources are signed, query parameters are not. */
export interface RequestParams {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  object?: string;
  subres?: Record<string, string>;
  query?: Record<string, string | number>;
  headers?: Record<string, string | number>;
  content?: Buffer;
  stream?: Readable;
  mime?: string;
  successStatuses: number[];
  customResponse?: boolean;
  timeout?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data?: Buffer;
  /** The response stream itself, for customResponse requests. */
  res: IncomingMessage;
}

interface RequestingClient {
  request(params: RequestParams): Promise<RawResponse>;
}

export type RequestHook = (op: string, result: 'ok' | 'error', code?: string) => void;

/** Operations that read; the rest write. A failed read is a source-read failure, a failed write a destination-write one. */
const READ_OPS = new Set([
  'HeadObject', 'GetObject', 'GetObjectTagging', 'GetObjectAcl', 'ListObjectsV2', 'ListObjectVersions', 'GetBucketVersioning',
  'ListMultipartUploads', 'ListParts',
]);

export function stageOf(op: string): Stage {
  return READ_OPS.has(op) ? 'source-read' : 'destination-write';
}

export type Scope = Omit<ErrorScope, 'stage' | 'op'>;

/** Sends one request; `op` is the OSS API name used for request counting and error context. */
export async function send(client: OSS, op: string, scope: Scope, params: RequestParams, onRequest?: RequestHook): Promise<RawResponse> {
  try {
    const res = await (client as unknown as RequestingClient).request(params);
    onRequest?.(op, 'ok');
    return res;
  } catch (err) {
    const classified = classifyOssError(err, { ...scope, op, stage: stageOf(op) });
    onRequest?.(op, 'error', classified.code);
    throw classified;
  }
}

/** A response header as one string (Node gives repeated headers as arrays). */
export function header(res: { headers: RawResponse['headers'] }, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
