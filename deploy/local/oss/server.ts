// The local OSS server: one region per instance, virtual-hosted and path-style addressing, V1/V4 signatures, on-disk data,
// EventBridge events to webhooks, and fault injection. Entry point for tests (startOssServer) and cli.ts.
// Admin (admin.ts): `/-/admin/faults` shows or replaces the faults in force, `/-/admin/credentials` the keys
// (STS credentials included), with `Authorization: Bearer <accessKeySecret>` of a key given at start.
// Data folder: snapshot.jsonl + journal.jsonl (bucket and key records), blobs/ and packs/ (bodies),
// uploads/ (multipart parts), events-pending.jsonl (webhook backlog kept across a clean stop).
// HTTPS: with `tls` (PEM certificate and key) it serves TLS only, and its endpoint is https://localhost:PORT.
// Events: deltaSize is the change in stored bytes (new size minus the bytes of any version it replaced).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { handleAdmin, ADMIN_PREFIX } from './admin.ts';
import { defaultHostNames, resolveTarget, type Addressing } from './addressing.ts';
import { authenticate, type AuthResult } from './auth/authenticate.ts';
import { CredentialStore, type CredentialInput } from './auth/credentials.ts';
import type { Ctx, ServerState } from './context.ts';
import { ERROR_TABLE, OssError } from './errors.ts';
import { EventPublisher } from './events/publisher.ts';
import { Faults, type FaultConfig } from './faults.ts';
import { httpDate, newRequestId } from './http-util.ts';
import { checkAnonymous, HANDLERS, route, type Handler } from './router.ts';
import { makePostObject } from './handlers/post-object.ts';
import { Store } from './store/store.ts';
import type { OssOperation } from './operations.ts';
import { xmlDocument } from './xml.ts';

export type { OssOperation } from './operations.ts';
export type { FaultConfig } from './faults.ts';
export type { ParkedEvent, WebhookQueueState, WebhookRetryPolicy, WebhookTarget } from './events/webhook-queue.ts';
import type { ParkedEvent, WebhookRetryPolicy, WebhookTarget } from './events/webhook-queue.ts';

/** A long-term key, or an STS credential (with securityToken and expiration, ISO 8601 or epoch ms). */
export type OssCredential = CredentialInput;

export interface OssServerOptions {
  region: string;
  port?: number;
  host?: string;
  dataDir: string;
  credentials: OssCredential[];
  webhooks?: WebhookTarget[];
  /** How a webhook queue retries a failing (5xx) receiver before it parks the event (default DEFAULT_WEBHOOK_RETRY). */
  webhookRetry?: Partial<WebhookRetryPolicy>;
  eventLogFile?: string;
  /** Where the server's notices go, one line each (default stderr): e.g. a webhook unavailable past its bound. */
  log?: (line: string) => void;
  faults?: FaultConfig;
  accountId?: string;
  /**
   * Host names the server serves as: a request with `Host: <bucket>.<name>` is virtual-hosted (the bucket
   * comes from the Host), any other is path style. Default: `localhost` and `<region>.aliyuncs.com`.
   */
  hostNames?: string[];
  /** Refuse path-style bucket requests (403 SecondLevelDomainForbidden), as real OSS does. */
  forbidPathStyle?: boolean;
  /** Serve HTTPS with this PEM certificate (chain) and private key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface OssServer {
  endpoint: string;
  port: number;
  region: string;
  /** The names a virtual-hosted Host may end in (`<bucket>.<name>`). */
  hostNames: string[];
  setFaults(f: FaultConfig): void;
  /** Adds a credential or replaces the one with its access key id (as PUT /-/admin/credentials does). */
  putCredential(c: OssCredential): void;
  removeCredential(accessKeyId: string): boolean;
  /** Events the webhooks gave up on (refused, or failing past the retry policy), oldest first; also GET /-/admin/events/parked. */
  parkedEvents(): ParkedEvent[];
  stop(): Promise<void>;
}

const NO_BUCKET_OPS = new Set<OssOperation>(['ListBuckets', 'PutBucket']);

export async function startOssServer(opts: OssServerOptions): Promise<OssServer> {
  if (!/^oss-[a-z0-9-]+$/.test(opts.region)) throw new Error(`region must look like oss-cn-hangzhou, got "${opts.region}"`);
  if (!opts.credentials.length) throw new Error('at least one access key is needed');
  await mkdir(opts.dataDir, { recursive: true });
  const accountId = opts.accountId ?? '1000000000000000';
  const publisher = new EventPublisher(opts.region, accountId, opts.webhooks ?? [], opts.eventLogFile, opts.dataDir, opts.webhookRetry, opts.log);
  await publisher.restore();
  const store = new Store(opts.dataDir, (change) => publisher.publish(change));
  await store.open();
  const keys = new CredentialStore(opts.credentials);
  const faults = new Faults(opts.faults ?? {});
  const postObject = makePostObject(keys);
  const addressing: Addressing = {
    hostNames: (opts.hostNames ?? defaultHostNames(opts.region)).map((n) => n.trim().toLowerCase()).filter(Boolean),
    forbidPathStyle: opts.forbidPathStyle ?? false,
  };
  // A stable id per account and region, shaped like a KMS key id, for the default managed key.
  const digest = createHash('sha256').update(`${accountId}/${opts.region}/kms-default`).digest('hex');
  const defaultKmsKeyId = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
  const state: ServerState = { region: opts.region, accountId, endpoint: '', store, faults, addressing, defaultKmsKeyId };
  const sockets = new Set<Socket>();

  // Handlers still running: stop() lets them settle before it closes the store under them (a PUT that has
  // read its body would otherwise write to a closed journal and log an internal error).
  const handling = new Set<Promise<void>>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const p = handle(req, res, state, keys, postObject, publisher).catch(() => { res.destroy(); });
    handling.add(p);
    void p.finally(() => handling.delete(p));
  };
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const host = opts.host ?? '127.0.0.1';
  const tls = opts.tls;
  const makeServer = (): Server => {
    const server: Server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, onRequest) : createServer(onRequest);
    server.keepAliveTimeout = 30_000;
    server.requestTimeout = 0;
    server.on('connection', track);
    return server;
  };
  const servers = [makeServer()];
  await new Promise<void>((resolve, reject) => {
    servers[0].once('error', reject);
    servers[0].listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (servers[0].address() as AddressInfo).port;
  // `localhost` may resolve to ::1 first; answering there too saves clients a failed connect per connection.
  if (host === '127.0.0.1') {
    const v6 = makeServer();
    const ok = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(port, '::1', () => resolve(true));
    });
    if (ok) servers.push(v6);
  }
  state.endpoint = `${tls ? 'https' : 'http'}://localhost:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: state.endpoint,
    port,
    region: opts.region,
    hostNames: addressing.hostNames,
    setFaults(f: FaultConfig) {
      faults.config = f;
    },
    putCredential(c: OssCredential) {
      keys.put(c);
    },
    removeCredential(accessKeyId: string) {
      return keys.remove(accessKeyId);
    },
    parkedEvents: () => publisher.parked(),
    stop() {
      stopped ??= (async () => {
        // In-flight requests get a moment to finish; connections still open after that are cut.
        const cut = setTimeout(() => { for (const s of sockets) s.destroy(); }, 200);
        await Promise.all(servers.map((server) => new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        })));
        clearTimeout(cut);
        // Cut connections leave their handlers running; they end within the store's own write latency.
        const drained = Promise.allSettled([...handling]);
        await Promise.race([drained, new Promise((r) => setTimeout(r, 5000).unref())]);
        await store.close();
        await publisher.stop();
      })();
      return stopped;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState, keys: CredentialStore, postObject: Handler,
  events: EventPublisher): Promise<void> {
  const requestId = newRequestId();
  res.setHeader('x-oss-request-id', requestId);
  res.setHeader('server', 'AliyunOSS');
  res.setHeader('date', httpDate(Date.now()));
  const url = req.url ?? '/';
  if (url.startsWith(ADMIN_PREFIX)) return handleAdmin(req, res, keys, state.faults, events);
  let ctx: Ctx | undefined;
  try {
    if (state.faults.shouldReset() && req.method !== 'GET') {
      req.socket.destroy();
      return;
    }
    const target = resolveTarget(url, req.headers.host, state.addressing);
    await state.faults.delay(target.bucket);
    const method = req.method ?? 'GET';
    const op = route(method, target, req.headers['x-oss-copy-source'] !== undefined, req.headers['content-type']);
    await state.faults.delayOperation(op);
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
  // A client that went away mid-request (its body cut off) is no server fault and gets no answer.
  if (!(err instanceof OssError) && (err as NodeJS.ErrnoException)?.code === 'ECONNRESET' && req.destroyed) {
    res.destroy();
    return;
  }
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
