// Test helper: one OSS request signed the way ali-oss signs it (its own signUtils, V1 or V4, with an STS
// token when given), sent over a real socket to the server's own address whatever Host it carries, so
// virtual-hosted requests (`Host: <bucket>.localhost:PORT`) need no DNS; over HTTPS with a given CA.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import signUtils from 'ali-oss/lib/common/signUtils.js';

export interface SignedRequest {
  /** http(s)://localhost:PORT, the server's endpoint; the socket goes to 127.0.0.1:PORT. */
  endpoint: string;
  method: string;
  bucket?: string;
  key?: string;
  /** 'virtual' puts the bucket in the Host (`<bucket>.<hostName>`), 'path' in the path. */
  style: 'virtual' | 'path';
  hostName?: string;
  /** Sub-resources (`acl`, `tagging`, `uploadId`...: in V1's canonical resource) and other query parameters. */
  subres?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  sig: 'v1' | 'v4';
  region: string;
  ca?: string | Buffer;
  /** Changes the headers after signing (to show what the signature covers). */
  afterSigning?: (headers: Record<string, string>) => void;
}

export interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function v4Date(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function encodePath(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/');
}

export function sendSigned(r: SignedRequest): Promise<Answer> {
  const url = new URL(r.endpoint);
  const hostName = r.hostName ?? 'localhost';
  const host = r.style === 'virtual' && r.bucket ? `${r.bucket}.${hostName}:${url.port}` : `${hostName}:${url.port}`;
  const path = r.style === 'virtual' || !r.bucket ? `/${encodePath(r.key ?? '')}` : `/${r.bucket}/${encodePath(r.key ?? '')}`;
  const subres = r.subres ?? {};
  const query = { ...r.query, ...subres };
  const qs = Object.entries(query).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  const headers: Record<string, string> = { ...r.headers };
  if (r.body) headers['content-length'] = String(r.body.length);
  if (r.securityToken) headers['x-oss-security-token'] = r.securityToken;
  const now = new Date();
  if (r.sig === 'v1') {
    headers['x-oss-date'] = now.toUTCString();
    // ali-oss's V1 canonical resource is /bucket/key in either addressing style.
    const canonical = signUtils.buildCanonicalString(r.method, `/${r.bucket ? `${r.bucket}/` : ''}${r.key ?? ''}`, { headers, parameters: subres });
    headers.authorization = signUtils.authorization(r.accessKeyId, r.accessKeySecret, canonical);
  } else {
    headers['x-oss-date'] = v4Date(now);
    headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
    // ali-oss passes a bare sub-resource (`?tagging`) as a null query value.
    const queries: Record<string, string | null> = { ...r.query };
    for (const [k, v] of Object.entries(subres)) queries[k] = v === '' ? null : v;
    headers.authorization = signUtils.authorizationV4(r.accessKeyId, r.accessKeySecret, r.region.replace(/^oss-/, ''), r.method,
      { headers, queries }, r.bucket, r.key);
  }
  r.afterSigning?.(headers);
  headers.host = host;
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send({
      host: '127.0.0.1', port: Number(url.port), method: r.method, path: qs ? `${path}?${qs}` : path, headers,
      ...(https ? { ca: r.ca, servername: host.split(':')[0] } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** The `<Code>` of an error answer (HEAD answers carry the document base64-encoded in x-oss-err). */
export function errorCode(a: Answer): string | undefined {
  const doc = a.body || Buffer.from(String(a.headers['x-oss-err'] ?? ''), 'base64').toString('utf8');
  return /<Code>([^<]*)<\/Code>/.exec(doc)?.[1];
}
