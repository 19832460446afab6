// The local OSS server: one region per instance, path-style addressing, V1/V4 signatures, on-disk data,
// EventBridge events to webhooks, and fault injection. Entry point for tests (startOssServer) and cli.ts.
// Admin: `PUT|GET http://localhost:PORT/-/admin/faults` with `Authorization: Bearer <accessKeySecret>` and
// a JSON FaultConfig body replaces (or shows) the faults in force.
// Data folder: snapshot.jsonl + journal.jsonl (bucket and key records), blobs/ and packs/ (bodies),
// uploads/ (multipart parts), events-pending.jsonl (webhook backlog kept across a clean stop).
// Events: deltaSize is the change in stored bytes (new size minus the bytes of any version it replaced).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { handleAdmin, ADMIN_PREFIX } from './admin.ts';
import { authenticate, type AuthResult, type Credential } from './auth/authenticate.ts';
import type { Ctx, ServerState } from './context.ts';
import { ERROR_TABLE, OssError } from './errors.ts';
import { EventPublisher } from './events/publisher.ts';
import { Faults, type FaultConfig } from './faults.ts';
import { httpDate, newRequestId, parseTarget } from './http-util.ts';
import { checkAnonymous, HANDLERS, route, type Handler } from './router.ts';
import { makePostObject } from './handlers/post-object.ts';
import { Store } from './store/store.ts';
import type { OssOperation } from './operations.ts';
import { xmlDocument } from './xml.ts';

export type { OssOperation } from './operations.ts';
export type { FaultConfig } from './faults.ts';
export type { WebhookTarget } from './events/webhook-queue.ts';
import type { WebhookTarget } from './events/webhook-queue.ts';

export interface OssCredential { accessKeyId: string; accessKeySecret: string; principalId?: string }

export interface OssServerOptions {
  region: string;
  port?: number;
  host?: string;
  dataDir: string;
  credentials: OssCredential[];
  webhooks?: WebhookTarget[];
  eventLogFile?: string;
  faults?: FaultConfig;
  accountId?: string;
}

export interface OssServer { endpoint: string; port: number; region: string; setFaults(f: FaultConfig): void; stop(): Promise<void> }

const NO_BUCKET_OPS = new Set<OssOperation>(['ListBuckets', 'PutBucket']);

export async function startOssServer(opts: OssServerOptions): Promise<OssServer> {
  if (!/^oss-[a-z0-9-]+$/.test(opts.region)) throw new Error(`region must look like oss-cn-hangzhou, got "${opts.region}"`);
  if (!opts.credentials.length) throw new Error('at least one access key is needed');
  await mkdir(opts.dataDir, { recursive: true });
  const accountId = opts.accountId ?? '1000000000000000';
  const publisher = new EventPublisher(opts.region, accountId, opts.webhooks ?? [], opts.eventLogFile, opts.dataDir);
  await publisher.restore();
  const store = new Store(opts.dataDir, (change) => publisher.publish(change));
  await store.open();
  const keys = new Map<string, Credential>(opts.credentials.map((c) => [c.accessKeyId, c]));
  const faults = new Faults(opts.faults ?? {});
  const postObject = makePostObject(() => keys);
  const state: ServerState = { region: opts.region, accountId, endpoint: '', store, faults };
  const sockets = new Set<Socket>();

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res, state, keys, opts.credentials, postObject).catch(() => res.destroy());
  };
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const host = opts.host ?? '127.0.0.1';
  const servers = [createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, onRequest)];
  servers[0].on('connection', track);
  await new Promise<void>((resolve, reject) => {
    servers[0].once('error', reject);
    servers[0].listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (servers[0].address() as AddressInfo).port;
  // `localhost` may resolve to ::1 first; answering there too saves clients a failed connect per connection.
  if (host === '127.0.0.1') {
    const v6 = createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, onRequest);
    v6.on('connection', track);
    const ok = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(port, '::1', () => resolve(true));
    });
    if (ok) servers.push(v6);
  }
  state.endpoint = `http://localhost:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: state.endpoint,
    port,
    region: opts.region,
    setFaults(f: FaultConfig) {
      faults.config = f;
    },
    stop() {
      stopped ??= (async () => {
        // In-flight requests get a moment to finish; connections still open after that are cut.
        const cut = setTimeout(() => { for (const s of sockets) s.destroy(); }, 200);
        await Promise.all(servers.map((server) => new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        })));
        clearTimeout(cut);
        await store.close();
        await publisher.stop();
      })();
      return stopped;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState, keys: Map<string, Credential>, creds: Credential[],
  postObject: Handler): Promise<void> {
  const requestId = newRequestId();
  res.setHeader('x-oss-request-id', requestId);
  res.setHeader('server', 'AliyunOSS');
  res.setHeader('date', httpDate(Date.now()));
  const url = req.url ?? '/';
  if (url.startsWith(ADMIN_PREFIX)) return handleAdmin(req, res, creds, state.faults);
  let ctx: Ctx | undefined;
  try {
    if (state.faults.shouldReset() && req.method !== 'GET') {
      req.socket.destroy();
      return;
    }
    await state.faults.delay();
    const target = parseTarget(url);
    const method = req.method ?? 'GET';
    const op = route(method, target, req.headers['x-oss-copy-source'] !== undefined, req.headers['content-type']);
    const auth: AuthResult = authenticate(req, target, keys, state.region);
    ctx = { req, res, target, op, auth, requestId, state, reset: false };
    state.faults.check(op, target.bucket);
    if (!NO_BUCKET_OPS.has(op)) {
      ctx.bucket = state.store.buckets.get(target.bucket);
      if (!ctx.bucket) throw new OssError('NoSuchBucket', undefined, { extra: { BucketName: target.bucket } });
    }
    if (auth.anonymous) checkAnonymous(op, ctx.bucket, target.key);
    if (method === 'GET' && state.faults.shouldReset()) {
      // Object bodies are cut half-way (sendStream); other answers are cut before they start.
      if (op !== 'GetObject') {
        req.socket.destroy();
        return;
      }
      ctx.reset = true;
    }
    await (op === 'PostObject' ? postObject : HANDLERS[op])(ctx);
  } catch (err) {
    sendError(req, res, requestId, err);
  }
}

function sendError(req: IncomingMessage, res: ServerResponse, requestId: string, err: unknown): void {
  const e = err instanceof OssError ? err : new OssError('InternalError', (err as Error)?.message);
  if (!(err instanceof OssError)) console.error(`oss-server: internal error on ${req.method} ${req.url}:`, err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  if (e.status === 304) {
    res.writeHead(304);
    res.end();
    return;
  }
  const body = xmlDocument('Error', {
    Code: e.code, Message: e.message, RequestId: requestId, HostId: req.headers.host ?? 'localhost', ...e.extra, EC: e.ec,
    RecommendDoc: ERROR_TABLE[e.code] ? `https://api.aliyun.com/troubleshoot?q=${e.ec}` : undefined,
  });
  res.setHeader('x-oss-ec', e.ec);
  if (req.method === 'HEAD') {
    // HEAD answers have no body; OSS carries the error document base64-encoded in x-oss-err instead.
    res.setHeader('x-oss-err', Buffer.from(body).toString('base64'));
    res.writeHead(e.status, { 'content-length': '0' });
    res.end();
    return;
  }
  res.writeHead(e.status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
