// An ali-oss client configured for a path-style OSS endpoint (the local OSS server, or real OSS with a
// bucket-less endpoint): V1 signatures by default, V4 (`authorizationV4`) on request.
import OSS from 'ali-oss';

export interface OssClientOptions {
  endpoint: string; // e.g. http://localhost:9001
  region: string; // e.g. oss-cn-hangzhou
  accessKeyId: string;
  accessKeySecret: string;
  bucket?: string;
  signatureVersion?: 'v1' | 'v4';
  timeoutMs?: number;
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
    // Path-style addressing: /bucket/key on the endpoint's host, which is what a local server can answer.
    sldEnable: true,
    cname: false,
    authorizationV4: opts.signatureVersion === 'v4',
  });
}
