// Conditional requests: If-Match / If-None-Match / If-(Un)Modified-Since on reads, and the
// x-oss-copy-source-if-* family on copies, with OSS's answers (412 PreconditionFailed, 304 Not Modified).
import type { IncomingMessage } from 'node:http';
import { OssError } from '../errors.ts';
import type { ObjectVersion } from '../store/types.ts';

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').map((s) => s.trim().replace(/^W\//, '').replace(/^"|"$/g, '')).some((t) => t === '*' || t === etag);
}

function secondsOf(ms: number): number {
  return Math.floor(ms / 1000);
}

function check(v: ObjectVersion, ifMatch?: string, ifNoneMatch?: string, ifUnmodified?: string, ifModified?: string, names = ['If-Match', 'If-None-Match', 'If-Unmodified-Since', 'If-Modified-Since']): void {
  const modified = secondsOf(v.lastModified);
  if (ifMatch !== undefined && !etagMatches(ifMatch, v.etag)) {
    throw new OssError('PreconditionFailed', undefined, { extra: { Condition: names[0] } });
  }
  if (ifMatch === undefined && ifUnmodified !== undefined) {
    const t = Date.parse(ifUnmodified);
    if (Number.isFinite(t) && modified > secondsOf(t)) throw new OssError('PreconditionFailed', undefined, { extra: { Condition: names[2] } });
  }
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, v.etag)) throw new OssError('NotModified');
  if (ifNoneMatch === undefined && ifModified !== undefined) {
    const t = Date.parse(ifModified);
    if (Number.isFinite(t) && t <= Date.now() && modified <= secondsOf(t)) throw new OssError('NotModified');
  }
}

export function checkRead(req: IncomingMessage, v: ObjectVersion): void {
  const h = req.headers;
  check(v, h['if-match'], h['if-none-match'], h['if-unmodified-since'] as string | undefined, h['if-modified-since'] as string | undefined);
}

export function checkCopySource(req: IncomingMessage, v: ObjectVersion): void {
  const h = req.headers as Record<string, string | undefined>;
  check(v, h['x-oss-copy-source-if-match'], h['x-oss-copy-source-if-none-match'], h['x-oss-copy-source-if-unmodified-since'],
    h['x-oss-copy-source-if-modified-since'],
    ['x-oss-copy-source-if-match', 'x-oss-copy-source-if-none-match', 'x-oss-copy-source-if-unmodified-since', 'x-oss-copy-source-if-modified-since']);
}
