// The records the store keeps per bucket, per key and per version (also their on-disk JSON shape).

export type Versioning = '' | 'Enabled' | 'Suspended';
export type ObjectType = 'Normal' | 'Multipart' | 'Appendable';

export interface BucketRecord {
  name: string;
  created: number;
  acl: string; // private | public-read | public-read-write
  storageClass: string;
  redundancy: string;
  versioning: Versioning;
  owner: string;
}

/** Content headers OSS stores and returns as they were given. */
export const CONTENT_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'] as const;

export interface ObjectVersion {
  versionId: string; // 'null' outside versioning
  deleteMarker: boolean;
  lastModified: number; // epoch ms
  owner: string;
  blob?: string;
  size: number;
  etag: string; // without quotes
  crc64: string;
  type: ObjectType;
  contentMd5?: string;
  headers: Record<string, string>;
  meta: Record<string, string>;
  acl: string; // default | private | public-read | public-read-write
  tags: [string, string][];
  sse?: string;
  sseKeyId?: string;
  sseDataEncryption?: string;
  storageClass: string;
}

export interface KeyRecord {
  key: string;
  versions: ObjectVersion[]; // newest first
}

/** What a write supplies; the store assigns the version id and time. */
export type NewVersion = Omit<ObjectVersion, 'versionId' | 'lastModified' | 'deleteMarker'>;

export interface UploadPart { partNumber: number; etag: string; size: number; crc64: string; md5: string; lastModified: number }

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  template: Omit<NewVersion, 'blob' | 'size' | 'etag' | 'crc64' | 'type' | 'contentMd5'>;
}
