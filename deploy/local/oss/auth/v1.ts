// OSS signature V1: `Authorization: OSS ak:base64(hmac-sha1(secret, stringToSign))`, and V1 presigned URLs
// (`?OSSAccessKeyId&Expires&Signature`). The string to sign is built the way OSS and ali-oss build it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ParsedTarget } from '../http-util.ts';

// Query parameters OSS treats as sub-resources, i.e. part of the V1 canonicalized resource.
export const SUBRESOURCES = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append', 'tagging', 'objectMeta',
  'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName', 'replication', 'replicationProgress',
  'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod', 'startTime', 'endTime', 'symlink',
  'x-oss-process', 'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId', 'udfImageDesc',
  'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var', 'qosInfo', 'policy', 'stat', 'encryption',
  'versions', 'versioning', 'versionId', 'requestPayment', 'x-oss-request-payer', 'sequential', 'inventory', 'inventoryId',
  'continuation-token', 'asyncFetch', 'worm', 'wormId', 'wormExtend', 'withHashContext', 'x-oss-enable-md5',
  'x-oss-enable-sha1', 'x-oss-enable-sha256', 'x-oss-hash-ctx', 'x-oss-md5-ctx', 'transferAcceleration', 'regionList',
  'cloudboxes', 'x-oss-ac-source-ip', 'x-oss-ac-subnet-mask', 'x-oss-ac-vpc-id', 'x-oss-ac-forward-allow', 'metaQuery',
  'resourceGroup', 'rtc', 'accessPoint', 'accessPointPolicy', 'httpsConfig', 'publicAccessBlock', 'policyStatus', 'redundancyTransition',
  'dataRedundancyTransition', 'x-oss-target-redundancy-type', 'responseHeader', 'dataAccelerator', 'userDefinedLogFieldsConfig',
]);

/** `/bucket/key` (raw, not encoded) plus sorted sub-resources, as in the V1 string to sign. */
export function canonicalResourceV1(target: ParsedTarget): string {
  let resource = '/';
  if (target.bucket) resource += `${target.bucket}/`;
  resource += target.key;
  const subs = [...target.query.keys()].filter((k) => SUBRESOURCES.has(k)).sort();
  if (subs.length) {
    resource += `?${subs.map((k) => {
      const v = target.query.get(k) ?? '';
      return v === '' ? k : `${k}=${v}`;
    }).join('&')}`;
  }
  return resource;
}

function canonicalOssHeaders(req: IncomingMessage): string[] {
  const out: string[] = [];
  for (const name of Object.keys(req.headers).sort()) {
    if (!name.startsWith('x-oss-')) continue;
    const v = req.headers[name];
    out.push(`${name}:${(Array.isArray(v) ? v.join(',') : String(v)).trim()}`);
  }
  return out;
}

export function stringToSignV1(req: IncomingMessage, target: ParsedTarget, dateOrExpires: string): string {
  return [
    (req.method ?? 'GET').toUpperCase(),
    (req.headers['content-md5'] as string | undefined) ?? '',
    (req.headers['content-type'] as string | undefined) ?? '',
    dateOrExpires,
    ...canonicalOssHeaders(req),
    canonicalResourceV1(target),
  ].join('\n');
}

/**
 * ali-oss hashes the UTF-8 encoding of the JS strings it sent; header values arrive here as latin1
 * strings, so UTF-8 of the same string reproduces its bytes. Raw bytes (latin1) is what other clients sign.
 */
export function signaturesV1(secret: string, stringToSign: string): string[] {
  const utf8 = createHmac('sha1', secret).update(Buffer.from(stringToSign, 'utf8')).digest('base64');
  if (!/[\u0080-\u00ff]/.test(stringToSign)) return [utf8];
  return [utf8, createHmac('sha1', secret).update(Buffer.from(stringToSign, 'latin1')).digest('base64')];
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
