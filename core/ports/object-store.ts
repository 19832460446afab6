// The ObjectStore port: what the pipeline needs from one OSS endpoint, in the domain's words.
// core/adapters/oss implements it over ali-oss; unit tests may use in-memory fakes.
import type { Readable } from 'node:stream';

export type ObjectAcl = 'default' | 'private' | 'public-read' | 'public-read-write';

/** One entry of a listing (ListObjectsV2 or ListObjectVersions), in the order OSS lists them. */
export interface ListedObject {
  key: string;
  etag: string; // without quotes; '' for delete markers
  size: number;
  lastModified: number; // ms
  versionId?: string | null; // present for version listings
  isLatest?: boolean;
  isDeleteMarker?: boolean;
  storageClass?: string;
}

export interface ListOptions {
  prefix?: string;
  /** Start after this key (exclusive), e.g. a resumed listing. */
  startAfter?: string;
  pageSize?: number;
}

/** Everything HEAD + GetObjectTagging + GetObjectACL say about one object (version). */
export interface ObjectHead {
  key: string;
  etag: string;
  crc64?: string;
  size: number;
  lastModified: number;
  versionId?: string | null;
  storageClass?: string;
  encryption?: { algorithm: 'AES256' } | { algorithm: 'KMS'; keyId?: string };
  headers: { contentType?: string; contentEncoding?: string; contentDisposition?: string; cacheControl?: string; expires?: string; contentLanguage?: string };
  userMeta: Record<string, string>;
  tags: Record<string, string>;
  acl: ObjectAcl;
  objectType?: string; // Normal, Multipart, Appendable
}

export interface ObjectStore {
  /** Streams every object of the bucket in key (byte) order, a page at a time. */
  listObjects(bucket: string, opts?: ListOptions): AsyncIterable<ListedObject[]>;
  /** Streams every version and delete marker, keys in byte order, newest version first within a key. */
  listObjectVersions(bucket: string, opts?: ListOptions): AsyncIterable<ListedObject[]>;
  isVersioned(bucket: string): Promise<boolean>;
}
