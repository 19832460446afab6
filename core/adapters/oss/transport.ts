// The wire under the adapter: one keep-alive connection pool per endpoint, requests signed V1 or V4 (byte for
// byte as ali-oss signs them, see signing.ts), sent with Node's http module.
//
// Why not ali-oss's request(): per request it formats dates with `dateformat`, guesses MIME types, copies
// options, and goes through urllib and agentkeepalive. On the replication hot path (four requests per small
// object) that machinery was most of the processor's CPU; this module does the same job in one pass.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createHash } from 'node:crypto';
import { stringify } from 'node:querystring';
import type { Readable } from 'node:stream';
import { requestTarget, type Addressing, type RequestTarget } from './addressing.ts';
import { authorizationV1, createV4Signer, type V4Signer } from './signing.ts';
import type { CredentialsProvider, OssCredentials } from '../../ports/credentials.ts';
import { staticCredentials } from './credentials/env.ts';
import { CrrError } from '../../errors.ts';
import { meaningOf } from './error-table.ts';
import { abortedError, TransportError } from './transport-error.ts';

export interface TransportOptions {
  endpoint: string; // http://localhost:9001 or https://oss-cn-hangzhou.aliyuncs.com
  region: string; // oss-cn-hangzhou or cn-hangzhou
  /** How the bucket is named: in the Host (virtual-hosted, the default, what real OSS wants), the path, or neither (cname). */
  addressing?: Addressing;
  /** Where each request's credentials come from; without it, the fixed key below. */
  credentials?: CredentialsProvider;
  accessKeyId?: string;
  accessKeySecret?: string;
  /** An STS token, sent as x-oss-security-token (signed, as every x-oss-* header). */
  securityToken?: string;
  /** PEM CA bundle that verifies an https endpoint instead of the system CAs. */
  ca?: string | Buffer;
  signatureVersion?: 'v1' | 'v4';
  /** Idle time allowed on a request's socket (no bytes either way) before it fails as TIMEOUT. */
  timeoutMs: number;
}

export interface WireRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  object?: string;
  /** Signed sub-resources (acl, tagging, uploads, versionId...); '' for a bare name. */
  subres?: Record<string, string>;
  /** Unsigned query parameters (prefix, marker, max-keys...). */
  query?: Record<string, string | number>;
  /** Header values already in wire form (latin1 strings carrying UTF-8 bytes). */
  headers?: Record<string, string | number>;
  content?: Buffer;
  stream?: Readable;
  mime?: string;
  /** Answer as soon as the headers arrive, with the body left unread on `res`. */
  customResponse?: boolean;
  timeout?: number;
  /** Aborting it destroys the request's connection (and a streamed answer's body) and fails it with ABORTED. */
  signal?: AbortSignal;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data?: Buffer;
  res: IncomingMessage;
}

/** A request as it goes on the wire: what the pin test compares with ali-oss's own construction. */
export interface PreparedRequest extends RequestTarget {
  headers: OutgoingHttpHeaders;
}

export interface Transport {
  send(req: WireRequest): Promise<WireResponse>;
  /** The Host, path and signed headers `send` would use now, signed with `credentials` (default: the provider's, when it holds them). */
  prepare(req: WireRequest, credentials?: OssCredentials): PreparedRequest;
  /** OSS refused the credentials (an expired or unknown STS token): the provider looks again before the next request. */
  credentialsRefused(): void;
}

// The wire's failures are classified here, where their cause is known; the error table only reads them.

function timeoutError(ms: number): TransportError {
  return new TransportError(`no bytes for ${ms} ms`, { code: 'TIMEOUT', retriable: true });
}

/** The connection closed before the answer was whole. */
function connectionLost(): TransportError {
  return new TransportError('socket hang up: the connection closed before the answer was whole', { code: 'NETWORK', retriable: true });
}

/**
 * A socket error (ECONNRESET, ECONNREFUSED...) by the Node code the error table knows; a request body's own
 * failure (a CrrError: the source read broke, or the body had the wrong size) and our own stay as they are.
 */
function wireFailure(err: Error): Error {
  if (err instanceof TransportError || err instanceof CrrError) return err;
  const code = (err as { code?: unknown }).code;
  return new TransportError(typeof code === 'string' ? `${code}: ${err.message}` : err.message, meaningOf(err), { cause: err });
}

/**
 * How long an idle connection is kept for reuse: ali-oss's agent (agentkeepalive) keeps them 15 s; the local
 * OSS server closes them after 30 s, real OSS after its own idle time. A connection reused just as the server
 * closed it fails with ECONNRESET; the request goes again once (staleConnection, resendable).
 */
export const FREE_SOCKET_TIMEOUT_MS = 15_000;

/** The errors of a connection the server had closed: the request never reached it. */
export function staleConnection(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** Requests safe to send twice: idempotent methods (POST, as for a multipart upload, is not), with no streamed body. */
export function resendable(req: Pick<WireRequest, 'method' | 'stream'>): boolean {
  return !req.stream && ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method.toUpperCase());
}

// Date strings change once a second; formatting them per request showed in profiles.
let cachedSecond = -1;
let cachedV1 = '';
let cachedV4 = '';
function dates(): { v1: string; v4: string } {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedSecond = second;
    cachedV1 = d.toUTCString(); // "Sun, 29 Nov 2026 13:17:07 GMT", as ali-oss formats it
    cachedV4 = d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''); // 20261129T131707Z
  }
  return { v1: cachedV1, v4: cachedV4 };
}

export function createTransport(opts: TransportOptions): Transport {
  const url = new URL(opts.endpoint);
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const connectHost = url.hostname.replace(/^\[|\]$/g, '');
  const addressing = opts.addressing ?? 'virtual-hosted';
  const v4 = opts.signatureVersion === 'v4';
  const provider = providerOf(opts);
  // The V4 signing key is derived once per day and key: kept while the provider hands out the same key.
  let signerOf: { id: string; secret: string; signer: V4Signer } | undefined;
  const v4Signer = (c: OssCredentials): V4Signer => {
    if (!signerOf || signerOf.id !== c.accessKeyId || signerOf.secret !== c.accessKeySecret) {
      signerOf = { id: c.accessKeyId, secret: c.accessKeySecret, signer: createV4Signer(c.accessKeyId, c.accessKeySecret, opts.region) };
    }
    return signerOf.signer;
  };
  // LIFO keeps a few hot connections rather than cycling through every idle one. An idle connection is
  // closed after FREE_SOCKET_TIMEOUT_MS, before a server closes it (OSS closes idle connections too).
  const agentOptions = { keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: 'lifo' as const, timeout: FREE_SOCKET_TIMEOUT_MS };
  const agent = secure ? new HttpsAgent({ ...agentOptions, ...(opts.ca ? { ca: opts.ca } : {}) }) : new HttpAgent(agentOptions);
  const request = secure ? httpsRequest : httpRequest;

  function signedHeaders(req: WireRequest, c: OssCredentials): OutgoingHttpHeaders {
    const { v1, v4: v4Date } = dates();
    const headers: Record<string, string | number> = { 'x-oss-date': v4 ? v4Date : v1 };
    if (v4) headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
    headers['User-Agent'] = 'oss-crr-bus';
    if (c.securityToken) headers['x-oss-security-token'] = c.securityToken;
    if (req.headers) Object.assign(headers, req.headers);
    if (req.mime && !headers['Content-Type'] && !headers['content-type']) headers['Content-Type'] = req.mime;
    if (req.content) {
      if (!headers['Content-MD5']) headers['Content-MD5'] = createHash('md5').update(req.content).digest('base64');
      if (!headers['Content-Length']) headers['Content-Length'] = req.content.length;
    }
    const signed = { method: req.method, bucket: req.bucket, object: req.object, subres: req.subres, query: req.query, headers };
    headers.authorization = v4 ? v4Signer(c).authorization(signed) : authorizationV1(c.accessKeyId, c.accessKeySecret, signed);
    return headers;
  }

  function prepare(req: WireRequest, credentials?: OssCredentials): PreparedRequest {
    let c = credentials;
    if (!c) {
      const held = provider.current();
      if (held instanceof Promise) throw new TypeError('prepare() without credentials needs a provider that holds them');
      c = held;
    }
    const headers = signedHeaders(req, c);
    const search = req.query || req.subres ? stringify({ ...req.query, ...req.subres }) : '';
    const target = requestTarget(url, addressing, opts.region, req.bucket, req.object, search);
    headers.host = target.host;
    return { ...target, headers };
  }

  function send(req: WireRequest): Promise<WireResponse> {
    // A held key costs nothing; only a provider whose credentials are due makes the request wait.
    const c = provider.current();
    return c instanceof Promise ? c.then((held) => sendWith(req, held)) : sendWith(req, c);
  }

  function sendWith(req: WireRequest, c: OssCredentials, retried = false): Promise<WireResponse> {
    const { headers, path, servername } = prepare(req, c);
    const timeout = req.timeout ?? opts.timeoutMs;
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    return new Promise<WireResponse>((resolve, reject) => {
      let settled = false;
      let answer: IncomingMessage | undefined;
      // Destroying the socket is the only way to stop a request on the wire; a streamed body goes with it.
      const onAbort = () => {
        const err = abortedError(signal!);
        out.destroy(err);
        answer?.destroy(err);
      };
      const detach = () => signal?.removeEventListener('abort', onAbort);
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        detach();
        // A kept-alive connection the server closed as we reused it: nothing reached the server, so an
        // idempotent request with its body in hand goes once more, on another connection.
        if (!retried && !answer && out.reusedSocket && staleConnection(err) && resendable(req) && !signal?.aborted) {
          sendWith(req, c, true).then(resolve, reject);
          return;
        }
        reject(wireFailure(err));
      };
      // Connect to the endpoint's own address; the bucket travels in the Host header and the TLS server name.
      const out = request({ agent, host: connectHost, port, method: req.method, path, headers, servername }, (res) => {
        const status = res.statusCode ?? 0;
        answer = res;
        if (req.customResponse) {
          settled = true;
          // The caller reads the body: the signal still holds until the body ends or is dropped.
          if (signal) res.once('close', detach);
          resolve({ status, headers: res.headers, res });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        // A connection that dies mid-body may close the response without an 'error': never wait forever.
        res.on('close', () => { if (!settled) fail(connectionLost()); });
        res.on('end', () => {
          // An answer before the whole body went out (a refused create-only PUT): this request's socket cannot
          // carry another one, so close it now rather than at the idle timeout.
          if (!out.writableFinished) out.destroy();
          if (settled) return;
          settled = true;
          detach();
          resolve({ status, headers: res.headers, data: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), res });
        });
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      out.setTimeout(timeout, () => out.destroy(timeoutError(timeout)));
      out.on('error', fail);
      // Every request closes, most after they settled: the error (and its stack) is built only when it is news.
      out.on('close', () => { if (!settled) fail(connectionLost()); });
      if (req.stream) {
        // pipe(), not pipeline(): pipeline() builds an AbortController per call and aborts it (a DOMException)
        // on success, which showed in profiles of small copies. A failing body fails the request with its error.
        const body = req.stream;
        body.on('error', (err) => out.destroy(err));
        body.pipe(out);
      } else {
        out.end(req.content);
      }
    });
  }

  return { send, prepare, credentialsRefused: () => provider.refused() };
}

function providerOf(opts: TransportOptions): CredentialsProvider {
  if (opts.credentials) return opts.credentials;
  if (!opts.accessKeyId || !opts.accessKeySecret) throw new TypeError('a transport needs credentials or an access key pair');
  return staticCredentials({ accessKeyId: opts.accessKeyId, accessKeySecret: opts.accessKeySecret, securityToken: opts.securityToken });
}

const providerIds = new WeakMap<CredentialsProvider, number>();
let nextProviderId = 0;
const digest = (v: string | Buffer | undefined) => (v ? createHash('sha256').update(v).digest('hex') : '');

const transports = new Map<string, Transport>();

/**
 * One transport (one connection pool) per endpoint, credentials, signature version and timeout in this
 * process: a bus serving many rules opens one pool per region, not one per rule. The map key holds a hash
 * of the secret, never the secret (a provider is known by its identity).
 */
export function sharedTransport(opts: TransportOptions): Transport {
  let who: string;
  if (opts.credentials) {
    let n = providerIds.get(opts.credentials);
    if (n === undefined) providerIds.set(opts.credentials, (n = nextProviderId++));
    who = `provider ${n}`;
  } else {
    who = [opts.accessKeyId, digest(opts.accessKeySecret), digest(opts.securityToken)].join('/');
  }
  const id = [opts.endpoint, opts.region, opts.addressing ?? 'virtual-hosted', who, digest(opts.ca), opts.signatureVersion ?? 'v1', opts.timeoutMs].join('\n');
  let transport = transports.get(id);
  if (!transport) {
    transport = createTransport(opts);
    transports.set(id, transport);
  }
  return transport;
}
