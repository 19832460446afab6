// OSS request signatures, V1 (HMAC-SHA1) and V4 (OSS4-HMAC-SHA256), computed in one pass over the request.
// They are byte for byte what ali-oss 6.23 computes (lib/common/signUtils.js); a unit test checks that on
// random requests. Kept apart from ali-oss because its version re-lowercases and re-copies every header
// through generic helpers on every request, and derives the V4 signing key (four HMACs) each time.
import { createHash, createHmac } from 'node:crypto';

export type SignHeaders = Record<string, string | number>;

export interface SignInput {
  method: string;
  bucket: string;
  object?: string;
  /** Signed sub-resources ('' for a bare name such as `acl`). */
  subres?: Record<string, string>;
  /** Unsigned in V1; part of the canonical query in V4. */
  query?: Record<string, string | number>;
  /** Including x-oss-date (and x-oss-content-sha256 for V4). */
  headers: SignHeaders;
}

function lowercased(headers: SignHeaders): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k of Object.keys(headers)) out[k.toLowerCase()] = headers[k];
  return out;
}

/** `Authorization: OSS <id>:<base64 HMAC-SHA1>` over verb, MD5, type, date, x-oss-* headers and the resource. */
export function authorizationV1(accessKeyId: string, accessKeySecret: string, req: SignInput): string {
  const h = lowercased(req.headers);
  const lines = [req.method.toUpperCase(), String(h['content-md5'] ?? ''), String(h['content-type'] ?? ''), String(h['x-oss-date'] ?? '')];
  for (const name of Object.keys(h).filter((k) => k.startsWith('x-oss-')).sort()) lines.push(`${name}:${String(h[name]).trim()}`);
  let resource = `/${req.bucket}/${req.object ?? ''}`;
  const subres = req.subres ?? {};
  let sep = '?';
  for (const name of Object.keys(subres).sort()) {
    resource += sep + name + (subres[name] ? `=${subres[name]}` : '');
    sep = '&';
  }
  lines.push(resource);
  const signature = createHmac('sha1', accessKeySecret).update(Buffer.from(lines.join('\n'), 'utf8')).digest('base64');
  return `OSS ${accessKeyId}:${signature}`;
}

/** encodeURIComponent plus the four characters RFC 3986 reserves that it leaves alone. */
function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface V4Signer {
  authorization(req: SignInput): string;
}

/** A V4 signer for one key and region; the signing key is derived once per day, not per request. */
export function createV4Signer(accessKeyId: string, accessKeySecret: string, region: string): V4Signer {
  const signRegion = region.replace(/^oss-/, '');
  let keyDay = '';
  let signingKey: Buffer = Buffer.alloc(0);
  const keyFor = (day: string): Buffer => {
    if (day !== keyDay) {
      let k = createHmac('sha256', `aliyun_v4${accessKeySecret}`).update(day).digest();
      for (const part of [signRegion, 'oss', 'aliyun_v4_request']) k = createHmac('sha256', k).update(part).digest();
      signingKey = k;
      keyDay = day;
    }
    return signingKey;
  };
  return {
    authorization(req) {
      const h = lowercased(req.headers);
      const date = String(h['x-oss-date']);
      const day = date.split('T')[0];
      const params: [string, string | null][] = [];
      for (const [k, v] of Object.entries(req.subres ?? {})) params.push([k, v === '' ? null : v]);
      for (const [k, v] of Object.entries(req.query ?? {})) {
        const i = params.findIndex(([name]) => name === k);
        if (i >= 0) params[i] = [k, String(v)];
        else params.push([k, String(v)]);
      }
      params.sort(([a], [b]) => a.localeCompare(b));
      const query = params.map(([k, v]) => (v === null ? strictEncode(k) : `${strictEncode(k)}=${strictEncode(v)}`)).join('&');
      const signedNames = Object.keys(h).filter((k) => k === 'content-type' || k === 'content-md5' || k.startsWith('x-oss-')).sort();
      const canonicalHeaders = signedNames.map((k) => `${k}:${typeof h[k] === 'string' ? (h[k] as string).trim() : h[k]}\n`).join('');
      const canonicalRequest = [
        req.method.toUpperCase(),
        strictEncode(`/${req.bucket}/${req.object ?? ''}`).replace(/%2F/g, '/'),
        query,
        canonicalHeaders,
        '',
        String(h['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD'),
      ].join('\n');
      const scope = `${day}/${signRegion}/oss/aliyun_v4_request`;
      const stringToSign = ['OSS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
      const signature = createHmac('sha256', keyFor(day)).update(stringToSign).digest('hex');
      return `OSS4-HMAC-SHA256 Credential=${accessKeyId}/${scope},Signature=${signature}`;
    },
  };
}
