// Where a request is sent and what its Host says. Real OSS takes the bucket from the Host
// (`<bucket>.oss-cn-hangzhou.aliyuncs.com`) and refuses path-style bucket requests; path style
// (`/<bucket>/<key>` on the endpoint's host) is for servers configured for it; a custom domain (cname) is one
// bucket's own host. The connection always goes to the endpoint's own address, so `<bucket>.localhost` needs
// no DNS; only the Host header (and the TLS server name) carry the bucket.
import { isIP } from 'node:net';

export type Addressing = 'virtual-hosted' | 'path' | 'cname';

export interface RequestTarget {
  /** The Host header. */
  host: string;
  /** Path and query as sent. */
  path: string;
  /** The TLS server name (SNI, and the name the certificate must hold); none for an IP. */
  servername?: string;
}

/** The public OSS host of a region (oss-cn-hangzhou or cn-hangzhou → oss-cn-hangzhou.aliyuncs.com). */
export function regionHost(region: string): string {
  return `${region.startsWith('oss-') ? region : `oss-${region}`}.aliyuncs.com`;
}

/** OSS's object path: every byte percent-encoded except unreserved characters and '/'. */
export function encodeObject(object: string | undefined): string {
  return object ? encodeURIComponent(object).replace(/%2F/g, '/') : '';
}

/**
 * The Host and path of a request to `bucket`/`object` on `endpoint`. On an IP endpoint a virtual-hosted
 * request names the bucket under the region's public host, as ali-oss does (an IP cannot carry a bucket).
 */
export function requestTarget(endpoint: URL, addressing: Addressing, region: string, bucket: string, object: string | undefined, search: string): RequestTarget {
  const query = search ? `?${search}` : '';
  const bareHost = endpoint.hostname.replace(/^\[|\]$/g, '');
  const ip = isIP(bareHost) !== 0;
  let host: string;
  let path: string;
  if (addressing === 'path') {
    host = endpoint.host;
    path = `/${bucket}/${encodeObject(object)}`;
  } else if (addressing === 'cname') {
    host = endpoint.host;
    path = `/${encodeObject(object)}`;
  } else {
    host = ip ? `${bucket}.${regionHost(region)}` : `${bucket}.${endpoint.host}`;
    path = `/${encodeObject(object)}`;
  }
  const servername = ip && addressing !== 'virtual-hosted' ? undefined : host.replace(/:\d+$/, '');
  return { host, path: path + query, servername };
}
