// An ali-oss client (the tests' and benchmarks' independent client): path style by default (what a local
// server on a localhost endpoint answers without DNS for `<bucket>.localhost`), virtual-hosted or a custom
// domain on request; V1 signatures by default, V4 (`authorizationV4`) on request.
import { Agent as HttpsAgent } from 'node:https';
import OSS from 'ali-oss';

export interface OssClientOptions {
  endpoint: string; // e.g. http://localhost:9001
  region: string; // e.g. oss-cn-hangzhou
  accessKeyId: string;
  accessKeySecret: string;
  bucket?: string;
  signatureVersion?: 'v1' | 'v4';
  timeoutMs?: number;
  /**
   * path (default): /bucket/key on the endpoint's host; virtual-hosted: the bucket in the Host (ali-oss
   * connects to that host too; on an IP endpoint it connects to the IP and sends
   * `Host: <bucket>.<region>.aliyuncs.com`); cname: the endpoint is the bucket's own domain.
   */
  addressing?: 'virtual-hosted' | 'path' | 'cname';
  stsToken?: string;
  /** PEM CA bundle for an https endpoint (default: the system CAs). */
  ca?: string | Buffer;
}

/** ali-oss methods its published typings leave out (they exist in ali-oss 6.23). */
export interface OssClientExtras {
  putBucketVersioning(name: string, status: 'Enabled' | 'Suspended', options?: object): Promise<{ status: number; res: OSS.NormalSuccessResponse }>;
  getBucketVersioning(name: string, options?: object): Promise<{ status: number; versionStatus?: string; res: OSS.NormalSuccessResponse }>;
  getBucketVersions(query?: Record<string, unknown>, options?: object): Promise<OssVersionList>;
  getObjectMeta(name: string, options?: { versionId?: string }): Promise<{ status: number; res: OSS.NormalSuccessResponse }>;
  getObjectTagging(name: string, options?: { versionId?: string }): Promise<{ status: number; tag: Record<string, string>; res: OSS.NormalSuccessResponse }>;
  putObjectTagging(name: string, tag: Record<string, string>, options?: { versionId?: string }): Promise<{ status: number; res: OSS.NormalSuccessResponse }>;
  deleteObjectTagging(name: string, options?: { versionId?: string }): Promise<{ status: number; res: OSS.NormalSuccessResponse }>;
}

export interface OssVersionList {
  res: OSS.NormalSuccessResponse;
  objects: { name: string; versionId: string; isLatest: boolean; etag: string; size: number; lastModified: string; type: string; storageClass: string }[];
  deleteMarker: { name: string; versionId: string; lastModified: string }[];
  prefixes: string[] | null;
  isTruncated: boolean;
  nextKeyMarker: string | null;
  nextVersionIdMarker: string | null;
}

export type OssClient = OSS & OssClientExtras;

export function createOssClient(opts: OssClientOptions): OssClient {
  const secure = opts.endpoint.startsWith('https:');
  return new (OSS as unknown as new (o: object) => OssClient)({
    endpoint: opts.endpoint,
    region: opts.region,
    accessKeyId: opts.accessKeyId,
    accessKeySecret: opts.accessKeySecret,
    bucket: opts.bucket,
    secure,
    timeout: opts.timeoutMs ?? 60_000,
    sldEnable: (opts.addressing ?? 'path') === 'path',
    cname: opts.addressing === 'cname',
    authorizationV4: opts.signatureVersion === 'v4',
    stsToken: opts.stsToken,
    ...(opts.ca ? { httpsAgent: new HttpsAgent({ ca: opts.ca, keepAlive: true }) } : {}),
  });
}
