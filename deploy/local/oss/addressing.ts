// Which bucket a request addresses, in either style OSS knows: virtual-hosted (`Host: <bucket>.<served
// name>`, what real OSS wants) or path style (`/bucket/key`, what clients use for IP and localhost
// endpoints). Clients connect to the server's own address whatever the Host says, so no DNS is needed for
// `*.localhost`. With `forbidPathStyle` a path-style bucket request is refused as real OSS refuses it.
import { OssError } from './errors.ts';
import { parseTarget, type ParsedTarget } from './http-util.ts';

export interface Addressing {
  /** Host names the server serves as (lower-case), e.g. `localhost` and `oss-cn-hangzhou.aliyuncs.com`. */
  hostNames: string[];
  /** Refuse path-style bucket requests with 403 SecondLevelDomainForbidden, as real OSS does. */
  forbidPathStyle: boolean;
}

/** `localhost` (for endpoints like http://localhost:9001) and the region's public OSS name. */
export function defaultHostNames(region: string): string[] {
  return ['localhost', `${region}.aliyuncs.com`];
}

/** The host name of a Host value, without port and brackets, lower-case: `[::1]:9001` → `::1`. */
export function hostOnly(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * The bucket a Host names: the single label before one of the served names (`b1.localhost`). A served
 * name itself, an IP address or an unknown host names none (the request is then path style).
 */
export function bucketFromHost(host: string | undefined, hostNames: string[]): string | undefined {
  if (!host) return undefined;
  const h = hostOnly(host);
  for (const name of hostNames) {
    if (h.length <= name.length + 1 || !h.endsWith(name) || h[h.length - name.length - 1] !== '.') continue;
    const label = h.slice(0, h.length - name.length - 1);
    if (label && !label.includes('.')) return label;
  }
  return undefined;
}

/**
 * Parses a request target. An absolute-form target (`GET http://b1.oss-cn-hangzhou.aliyuncs.com/k`, as a
 * client sends through a proxy) is read like the Host and path it carries, which lets SDKs that build
 * virtual-hosted URLs from a real endpoint reach the local server through a proxy setting.
 */
export function resolveTarget(rawUrl: string, hostHeader: string | undefined, addressing: Addressing): ParsedTarget {
  let url = rawUrl;
  let host = hostHeader;
  const absolute = /^https?:\/\/([^/?#]*)/i.exec(url);
  if (absolute) {
    host = absolute[1].replace(/^[^@]*@/, '');
    url = url.slice(absolute[0].length) || '/';
    if (!url.startsWith('/')) url = `/${url}`;
  }
  const bucket = bucketFromHost(host, addressing.hostNames);
  const target = parseTarget(url, bucket);
  if (addressing.forbidPathStyle && !target.virtualHosted && target.bucket) {
    throw new OssError('SecondLevelDomainForbidden');
  }
  return target;
}
