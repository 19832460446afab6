// What every handler gets: the request, its parsed target, who sent it, the store, and response helpers
// that add OSS's common headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Addressing } from './addressing.ts';
import type { AuthResult } from './auth/authenticate.ts';
import type { Faults } from './faults.ts';
import type { ParsedTarget } from './http-util.ts';
import type { OssOperation } from './operations.ts';
import type { Bucket, ChangeContext } from './store/bucket.ts';
import type { Store } from './store/store.ts';
import { xmlDocument, type XmlNode } from './xml.ts';

export interface ServerState {
  region: string;
  accountId: string;
  endpoint: string;
  store: Store;
  faults: Faults;
  addressing: Addressing;
  /** Stands in for the account's default KMS managed key (KMS writes without a key id). */
  defaultKmsKeyId: string;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  target: ParsedTarget;
  op: OssOperation;
  auth: AuthResult;
  requestId: string;
  state: ServerState;
  reset: boolean;
  /** Set once the bucket is looked up (all operations but ListBuckets and PutBucket). */
  bucket?: Bucket;
}

export function principalOf(ctx: Ctx): string {
  return ctx.auth.anonymous ? 'anonymous' : (ctx.auth.credential.principalId ?? ctx.state.accountId);
}

export function changeContext(ctx: Ctx): ChangeContext {
  return { requestId: ctx.requestId, principalId: principalOf(ctx), sourceIp: ctx.req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1' };
}

/** An object's URL in the style the request used (OSS's `Location` in upload results). */
export function objectUrl(ctx: Ctx, bucket: string, key: string): string {
  const path = encodeURIComponent(key).replace(/%2F/g, '/');
  if (!ctx.target.virtualHosted) return `${ctx.state.endpoint}/${bucket}/${path}`;
  const scheme = ctx.state.endpoint.slice(0, ctx.state.endpoint.indexOf('://'));
  return `${scheme}://${ctx.req.headers.host ?? ''}/${path}`;
}

export function q(ctx: Ctx, name: string): string | undefined {
  return ctx.target.query.get(name);
}

/** Sends an XML document; `body` is a node tree or already-built inner XML (for mixed, ordered elements). */
export function sendXml(ctx: Ctx, status: number, root: string, body: XmlNode | string, headers: Record<string, string> = {}): void {
  const text = Buffer.from(typeof body === 'string' ? `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${body}</${root}>` : xmlDocument(root, body));
  ctx.res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': String(text.length) });
  ctx.res.end(text);
}

export function sendEmpty(ctx: Ctx, status: number, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, { ...headers, 'content-length': '0' });
  ctx.res.end();
}

/** Streams a body (throttled if a bandwidth cap is set); with an injected reset, the socket dies half-way. */
export async function sendStream(ctx: Ctx, status: number, headers: Record<string, string>, body: Readable, length: number): Promise<void> {
  ctx.res.writeHead(status, headers);
  if (ctx.req.method === 'HEAD') {
    body.destroy();
    ctx.res.end();
    return;
  }
  if (ctx.reset) {
    let sent = 0;
    const half = Math.floor(length / 2);
    body.on('data', (chunk: Buffer) => {
      const take = Math.min(chunk.length, half - sent);
      if (take > 0) ctx.res.write(chunk.subarray(0, take));
      sent += take;
      if (sent >= half) {
        body.destroy();
        ctx.res.socket?.destroy();
      }
    });
    if (half === 0) {
      body.destroy();
      ctx.res.socket?.destroy();
    }
    return;
  }
  const throttle = ctx.state.faults.throttle(ctx.req.socket);
  try {
    if (throttle) await pipeline(body, throttle, ctx.res);
    else await pipeline(body, ctx.res);
  } catch {
    ctx.res.destroy();
  }
}

/** The request body, paced by the bandwidth cap when one is set. */
export function requestBody(ctx: Ctx): Readable {
  const throttle = ctx.state.faults.throttle(ctx.req.socket);
  if (!throttle) return ctx.req;
  ctx.req.on('error', (e) => throttle.destroy(e));
  return ctx.req.pipe(throttle);
}
