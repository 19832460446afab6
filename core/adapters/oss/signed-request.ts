// One signed OSS request through ali-oss's request pipeline (V1/V4 signing, URL building, timeouts), with every
// failure classified by the error table and reported once to the onRequest hook.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import type { Stage } from '../../errors.ts';
import { classifyOssError, type ErrorScope } from './error-table.ts';
import { childText, parseXml } from './xml.ts';

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

// ali-oss is told every status is a success so that this module, not ali-oss, reads OSS's error answers:
// ali-oss names every bodiless 404 NoSuchKey (a missing bucket too) and never reads a streamed GET's error body.
const ANY_STATUS = Array.from({ length: 500 }, (_, i) => 100 + i);
const ERROR_DOC_LIMIT = 64 * 1024;

/** Sends one request; `op` is the OSS API name used for request counting and error context. */
export async function send(client: OSS, op: string, scope: Scope, params: RequestParams, onRequest?: RequestHook): Promise<RawResponse> {
  const fail = (err: unknown) => {
    const classified = classifyOssError(err, { ...scope, op, stage: stageOf(op) });
    onRequest?.(op, 'error', classified.code);
    return classified;
  };
  let res: RawResponse;
  try {
    res = await (client as unknown as RequestingClient).request({ ...params, successStatuses: ANY_STATUS });
  } catch (err) {
    throw fail(err);
  }
  if (!params.successStatuses.includes(res.status)) throw fail(await errorAnswer(res, params.customResponse === true));
  onRequest?.(op, 'ok');
  return res;
}

/** The OSS error document of a failed answer: its body, or for bodiless answers (HEAD) the x-oss-err header. */
async function errorAnswer(res: RawResponse, streamed: boolean): Promise<Error> {
  let doc = streamed ? await readCapped(res.res, ERROR_DOC_LIMIT) : res.data;
  const encoded = header(res, 'x-oss-err');
  if (!doc?.length && encoded) doc = Buffer.from(encoded, 'base64');
  let code: string | undefined;
  let message: string | undefined;
  let requestId: string | undefined;
  try {
    const root = doc?.length ? parseXml(doc) : undefined;
    code = root && childText(root, 'Code');
    message = root && childText(root, 'Message');
    requestId = root && childText(root, 'RequestId');
  } catch {
    // not XML (a proxy's error page): the status alone decides
  }
  const err = new Error(message || `HTTP ${res.status}`);
  // Shaped as ali-oss shapes OSS errors, so the error table reads both alike.
  return Object.assign(err, { name: code ? `${code}Error` : 'HttpError', code, status: res.status, requestId: requestId ?? header(res, 'x-oss-request-id') });
}

async function readCapped(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= limit) break;
    }
  } catch {
    // a broken error body still leaves the status
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** A response header as one string (Node gives repeated headers as arrays). */
export function header(res: { headers: RawResponse['headers'] }, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
