// One signed OSS request over the transport, with every failure classified by the error table and reported
// once to the onRequest hook.
import type { Readable } from 'node:stream';
import type { CrrError, ErrorCode, Stage } from '../../errors.ts';
import { answerError, classifyOssError, type ErrorScope, type OssAnswer } from './error-table.ts';
import type { Transport, WireRequest, WireResponse } from './transport.ts';
import { childText, parseXml } from './xml.ts';

/** A request and the statuses that count as success; any other status is read as an OSS error answer. */
export interface RequestParams extends WireRequest {
  successStatuses: number[];
}

export type RawResponse = WireResponse;

/**
 * How a request ended: 'ok'; 'absent', OSS's answer that the key or version does not exist (every new key's
 * destination HEAD gets it); 'exists', a PUT that must not overwrite found the key (see reconcile-key.ts);
 * both are answers, not failures; or 'error', with the CrrError code.
 */
export type RequestResult = 'ok' | 'absent' | 'exists' | 'error';

const ANSWERS: Readonly<Partial<Record<ErrorCode, RequestResult>>> = { NOT_FOUND: 'absent', ALREADY_EXISTS: 'exists' };
export type RequestHook = (op: string, result: RequestResult, code?: ErrorCode) => void;

/** Operations that read; the rest write. A failed read is a source-read failure, a failed write a destination-write one. */
const READ_OPS = new Set([
  'HeadObject', 'GetObject', 'GetObjectTagging', 'GetObjectAcl', 'ListObjectsV2', 'ListObjectVersions', 'GetBucketVersioning',
  'ListMultipartUploads', 'ListParts',
]);

export function stageOf(op: string): Stage {
  return READ_OPS.has(op) ? 'source-read' : 'destination-write';
}

export type Scope = Omit<ErrorScope, 'stage' | 'op'>;

const ERROR_DOC_LIMIT = 64 * 1024;

/** Sends one request; `op` is the OSS API name used for request counting and error context. */
export async function send(transport: Transport, op: string, scope: Scope, params: RequestParams, onRequest?: RequestHook): Promise<RawResponse> {
  const where: ErrorScope = { ...scope, op, stage: stageOf(op) };
  const fail = (classified: CrrError) => {
    onRequest?.(op, ANSWERS[classified.code] ?? 'error', classified.code);
    return classified;
  };
  let res: RawResponse;
  for (let attempt = 0; ; attempt++) {
    try {
      res = await transport.send(params);
    } catch (err) {
      throw fail(classifyOssError(err, where)); // the transport's own TransportError, or a body's CrrError
    }
    if (params.successStatuses.includes(res.status)) break;
    const refused = answerError(await errorAnswer(res, params.customResponse === true), where);
    if (refused.code !== 'CREDENTIALS_EXPIRED') throw fail(refused);
    // An expired or rotated STS token: the provider looks again (file, environment, metadata service). A
    // request whose body is a stream cannot go again here; the caller's retry sends it with the new token.
    transport.credentialsRefused();
    if (attempt > 0 || params.stream) throw fail(refused);
  }
  onRequest?.(op, 'ok');
  return res;
}

/** The OSS error document of a failed answer: its body, or for bodiless answers (HEAD) the x-oss-err header. */
async function errorAnswer(res: RawResponse, streamed: boolean): Promise<OssAnswer> {
  let doc = streamed ? await readCapped(res.res, ERROR_DOC_LIMIT) : res.data;
  const encoded = header(res, 'x-oss-err');
  if (!doc?.length && encoded) doc = Buffer.from(encoded, 'base64');
  let code: string | undefined;
  let message: string | undefined;
  let requestId: string | undefined;
  const text = doc?.length ? doc.toString('utf8') : '';
  code = simpleField(text, 'Code');
  if (code !== undefined) {
    message = simpleField(text, 'Message');
    requestId = simpleField(text, 'RequestId');
  } else if (text) {
    try {
      const root = parseXml(text);
      code = childText(root, 'Code');
      message = childText(root, 'Message');
      requestId = childText(root, 'RequestId');
    } catch {
      // not XML (a proxy's error page): the status alone decides
    }
  }
  return { status: res.status, ossCode: code || undefined, message: message || undefined, requestId: requestId ?? header(res, 'x-oss-request-id') };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * One top-level text field of an OSS error document, e.g. <Code>NoSuchKey</Code>. Every absent-key answer is
 * read here, so the usual shape skips the XML parser; anything unusual (CDATA, nesting) falls back to it.
 */
const FIELD_PATTERNS: Record<string, RegExp> = {};

function simpleField(doc: string, name: string): string | undefined {
  const m = (FIELD_PATTERNS[name] ??= new RegExp(`<${name}>([^<]*)</${name}>`)).exec(doc);
  if (!m) return undefined;
  return m[1].replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, e: string) =>
    e[0] !== '#' ? ENTITIES[e] : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)));
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
