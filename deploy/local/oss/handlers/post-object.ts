// PostObject: the HTML-form upload (multipart/form-data) signed by a base64 policy document. The form is
// parsed in memory, so forms are capped at 64 MiB here (OSS allows 5 GB); the policy's expiration,
// bucket, key and content-length-range conditions are enforced.
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { changeContext, objectUrl, principalOf, sendEmpty, sendXml, type Ctx } from '../context.ts';
import type { CredentialStore } from '../auth/credentials.ts';
import { safeEqual } from '../auth/v1.ts';
import { OssError } from '../errors.ts';
import { validateObjectKey } from '../http-util.ts';
import type { Bucket } from '../store/bucket.ts';
import { CONTENT_HEADERS } from '../store/types.ts';
import { crc64 } from '../../../../core/crc64.ts';
import { encryption, encryptionHeaders, OBJECT_ACLS, parseTaggingHeader, quoteEtag } from './object-headers.ts';

const MAX_FORM = 64 * 1024 * 1024;

type Condition = Record<string, string> | [string, string | number, string | number];

function checkPolicy(policyB64: string, bucket: string, key: string, size: number, fields: Map<string, string>): void {
  let policy: { expiration?: string; conditions?: Condition[] };
  try {
    policy = JSON.parse(Buffer.from(policyB64, 'base64').toString('utf8')) as typeof policy;
  } catch {
    throw new OssError('InvalidPolicyDocument', 'The policy is not valid JSON.');
  }
  if (!policy.expiration || !(Date.parse(policy.expiration) > Date.now())) throw new OssError('AccessDenied', 'Invalid according to Policy: Policy expired.');
  const value = (name: string) => (name === 'bucket' ? bucket : name === 'key' ? key : fields.get(name.toLowerCase()) ?? '');
  for (const c of policy.conditions ?? []) {
    if (Array.isArray(c)) {
      const [op, a, b] = c;
      if (op === 'content-length-range') {
        if (size < Number(a) || size > Number(b)) throw new OssError('EntityTooLarge', 'Your proposed upload exceeds the content-length-range in the policy.');
        continue;
      }
      const v = value(String(a).replace(/^\$/, ''));
      if (op === 'eq' && v !== String(b)) throw new OssError('AccessDenied', `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(c)}`);
      if (op === 'starts-with' && !v.startsWith(String(b))) throw new OssError('AccessDenied', `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(c)}`);
    } else {
      for (const [name, expected] of Object.entries(c)) {
        if (value(name) !== expected) throw new OssError('AccessDenied', `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(c)}`);
      }
    }
  }
}

export function makePostObject(keys: CredentialStore) {
  return async function postObject(ctx: Ctx): Promise<void> {
    const bucket = ctx.bucket as Bucket;
    const declared = Number(ctx.req.headers['content-length'] ?? NaN);
    if (!(declared <= MAX_FORM)) throw new OssError('EntityTooLarge', 'The local OSS server takes PostObject forms up to 64 MiB with a Content-Length.');
    let form: FormData;
    try {
      form = await new Response(Readable.toWeb(ctx.req) as ReadableStream, { headers: { 'content-type': ctx.req.headers['content-type'] ?? '' } }).formData();
    } catch {
      throw new OssError('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.', { status: 400 });
    }
    const fields = new Map<string, string>();
    let file: File | undefined;
    for (const [name, v] of form.entries()) {
      if (typeof v === 'string') fields.set(name.toLowerCase(), v);
      else if (name.toLowerCase() === 'file') file = v;
    }
    if (!file) throw new OssError('InvalidArgument', 'The form has no file field.');
    const body = Buffer.from(await file.arrayBuffer());
    const key = (fields.get('key') ?? '').replace('${filename}', file.name);
    validateObjectKey(key);
    const ak = fields.get('ossaccesskeyid');
    if (ak) {
      // STS credentials put their token in the form (x-oss-security-token), as OSS's PostObject takes it.
      const cred = keys.resolve(ak, fields.get('x-oss-security-token'), Date.now());
      const policy = fields.get('policy') ?? '';
      const sig = createHmac('sha1', cred.accessKeySecret).update(policy).digest('base64');
      if (!safeEqual(sig, fields.get('signature') ?? '')) throw new OssError('SignatureDoesNotMatch');
      checkPolicy(policy, bucket.name, key, body.length, fields);
      ctx.auth = { anonymous: false, credential: cred, method: 'post-policy' };
    } else if (bucket.record.acl !== 'public-read-write') {
      throw new OssError('AccessDenied', 'Anonymous form uploads need a public-read-write bucket.');
    }
    const headers: Record<string, string> = { 'content-type': file.type || 'application/octet-stream' };
    for (const h of CONTENT_HEADERS) if (fields.has(h)) headers[h] = fields.get(h) as string;
    const meta: Record<string, string> = {};
    for (const [k, v] of fields) if (k.startsWith('x-oss-meta-')) meta[k.slice(11)] = v;
    const acl = fields.get('x-oss-object-acl') ?? 'default';
    if (!OBJECT_ACLS.has(acl)) throw new OssError('InvalidArgument', `The ACL "${acl}" is not valid.`);
    const sse = encryption((name) => fields.get(name), ctx.state.defaultKmsKeyId);
    const md5 = createHash('md5').update(body).digest();
    const blob = await ctx.state.store.blobs.writeSmall(body);
    const { version, persisted } = bucket.putVersion(key, {
      headers, meta, acl, tags: parseTaggingHeader(fields.get('x-oss-tagging')), storageClass: fields.get('x-oss-storage-class') ?? bucket.record.storageClass,
      ...sse, owner: principalOf(ctx), blob, size: body.length, etag: md5.toString('hex').toUpperCase(), crc64: crc64(body), type: 'Normal', contentMd5: md5.toString('base64'),
    }, 'ObjectCreated:PostObject', changeContext(ctx));
    await persisted;
    const out: Record<string, string> = { etag: quoteEtag(version.etag), 'x-oss-hash-crc64ecma': version.crc64, ...encryptionHeaders(version) };
    if (bucket.versioned) out['x-oss-version-id'] = version.versionId;
    const status = Number(fields.get('success_action_status') ?? '204');
    if (status === 201) {
      sendXml(ctx, 201, 'PostResponse', { Bucket: bucket.name, ETag: quoteEtag(version.etag), Key: key, Location: objectUrl(ctx, bucket.name, key) }, out);
    } else {
      sendEmpty(ctx, status === 200 ? 200 : 204, out);
    }
  };
}
