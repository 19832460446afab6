// Decides who sent a request: a configured key (V1 or V4, header or presigned URL, with an STS security
// token where the key is an STS one), or nobody (anonymous). Failures are the OSS answers: InvalidAccessKeyId,
// the security-token errors (see credentials.ts), SignatureDoesNotMatch, RequestTimeTooSkewed, AccessDenied.
// The token travels in `x-oss-security-token` (headers, signed as every x-oss- header is; and V4 presigned
// URLs) or `security-token` (V1 presigned URLs, a signed sub-resource), as ali-oss and oss2 send it.
import type { IncomingMessage } from 'node:http';
import { OssError } from '../errors.ts';
import type { ParsedTarget } from '../http-util.ts';
import type { Credential, CredentialStore } from './credentials.ts';
import { safeEqual, signaturesV1, stringToSignV1 } from './v1.ts';
import { canonicalRequestsV4, parseAuthorizationV4, parseCredential, parseV4Timestamp, signatureV4, type V4Parts } from './v4.ts';

export type { Credential } from './credentials.ts';

export type AuthResult = { anonymous: true } | { anonymous: false; credential: Credential; method: 'v1' | 'v4' | 'v1-url' | 'v4-url' | 'post-policy' };

const MAX_SKEW_MS = 15 * 60 * 1000;

export function authenticate(req: IncomingMessage, target: ParsedTarget, keys: CredentialStore, region: string, now = Date.now()): AuthResult {
  const authz = req.headers.authorization;
  if (authz?.startsWith('OSS ')) return verifyV1Header(req, target, keys, authz, now);
  if (authz?.startsWith('OSS4-HMAC-SHA256')) {
    const parts = parseAuthorizationV4(authz);
    if (!parts) throw new OssError('InvalidArgument', 'Authorization header is invalid.');
    const ts = (req.headers['x-oss-date'] as string | undefined) ?? '';
    checkSkew(parseV4Timestamp(ts), now);
    return verifyV4(req, target, keys.resolve(parts.accessKeyId, headerToken(req), now), region, parts, ts, false);
  }
  if (authz) throw new OssError('InvalidArgument', 'Authorization header is invalid.');
  const q = target.query;
  if (q.has('OSSAccessKeyId') && q.has('Signature')) return verifyV1Url(req, target, keys, now);
  if (q.get('x-oss-signature-version') === 'OSS4-HMAC-SHA256') {
    const parts = parseCredential(q.get('x-oss-credential') ?? '', q.get('x-oss-additional-headers'), q.get('x-oss-signature') ?? '');
    if (!parts) throw new OssError('InvalidArgument', 'x-oss-credential is invalid.');
    const ts = q.get('x-oss-date') ?? '';
    const cred = keys.resolve(parts.accessKeyId, q.get('x-oss-security-token'), now);
    const start = parseV4Timestamp(ts);
    const expires = Number(q.get('x-oss-expires') ?? '0');
    if (!Number.isFinite(start) || now > start + expires * 1000) throw new OssError('AccessDenied', 'Request has expired.');
    return verifyV4(req, target, cred, region, parts, ts, true);
  }
  return { anonymous: true };
}

function headerToken(req: IncomingMessage): string | undefined {
  const v = req.headers['x-oss-security-token'];
  return Array.isArray(v) ? v.join(',') : v;
}

function checkSkew(t: number, now: number): void {
  if (!Number.isFinite(t)) throw new OssError('AccessDenied', 'Invalid date format or no date header.');
  if (Math.abs(now - t) > MAX_SKEW_MS) throw new OssError('RequestTimeTooSkewed');
}

function verifyV1Header(req: IncomingMessage, target: ParsedTarget, keys: CredentialStore, authz: string, now: number): AuthResult {
  const body = authz.slice(4).trim();
  const colon = body.lastIndexOf(':');
  if (colon <= 0) throw new OssError('InvalidArgument', 'Authorization header is invalid.');
  const date = (req.headers['x-oss-date'] as string | undefined) ?? req.headers.date ?? '';
  const cred = keys.resolve(body.slice(0, colon), headerToken(req), now);
  checkSkew(Date.parse(date), now);
  const sts = stringToSignV1(req, target, date);
  const provided = body.slice(colon + 1);
  if (!signaturesV1(cred.accessKeySecret, sts).some((s) => safeEqual(s, provided))) {
    throw new OssError('SignatureDoesNotMatch', undefined, { extra: { StringToSign: sts } });
  }
  return { anonymous: false, credential: cred, method: 'v1' };
}

function verifyV1Url(req: IncomingMessage, target: ParsedTarget, keys: CredentialStore, now: number): AuthResult {
  const q = target.query;
  const cred = keys.resolve(q.get('OSSAccessKeyId') ?? '', q.get('security-token'), now);
  const expires = q.get('Expires') ?? '';
  if (!/^\d+$/.test(expires)) throw new OssError('AccessDenied', 'Expires is invalid.');
  if (now > Number(expires) * 1000) throw new OssError('AccessDenied', 'Request has expired.');
  const sts = stringToSignV1(req, target, expires);
  if (!signaturesV1(cred.accessKeySecret, sts).some((s) => safeEqual(s, q.get('Signature') ?? ''))) {
    throw new OssError('SignatureDoesNotMatch', undefined, { extra: { StringToSign: sts } });
  }
  return { anonymous: false, credential: cred, method: 'v1-url' };
}

function verifyV4(req: IncomingMessage, target: ParsedTarget, cred: Credential, region: string,
  parts: V4Parts, ts: string, presigned: boolean): AuthResult {
  if (parts.region !== region.replace(/^oss-/, '') || parts.product !== 'oss' || !ts.startsWith(parts.date)) {
    throw new OssError('SignatureDoesNotMatch', 'Invalid signing region, product or date in the credential scope.');
  }
  for (const h of parts.additionalHeaders) {
    if (req.headers[h] === undefined) throw new OssError('SignatureDoesNotMatch', `Additional header ${h} is missing.`);
  }
  const candidates = canonicalRequestsV4(req, target, parts.additionalHeaders, presigned);
  if (!candidates.some((c) => safeEqual(signatureV4(cred.accessKeySecret, parts, ts, c), parts.signature))) {
    throw new OssError('SignatureDoesNotMatch', undefined, { extra: { CanonicalRequest: candidates[0] } });
  }
  return { anonymous: false, credential: cred, method: presigned ? 'v4-url' : 'v4' };
}
