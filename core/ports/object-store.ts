// The ObjectStore port: what the pipeline needs from one OSS endpoint, in the domain's words.
// core/adapters/oss implements it over its own signed HTTP transport; unit tests may use in-memory fakes.
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

/** The six content headers that are part of "in sync" (DESIGN §4 rule 1). */
export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  cacheControl?: string;
  expires?: string;
  contentLanguage?: string;
}

/**
 * Server-side encryption as OSS reports it (x-oss-server-side-encryption): SSE-OSS with AES256 or SM4, or
 * SSE-KMS with its key id and, when the data itself is encrypted with SM4, dataEncryption (x-oss-server-side-data-encryption).
 */
export type Encryption = { algorithm: 'AES256' } | { algorithm: 'SM4' } | { algorithm: 'KMS'; keyId?: string; dataEncryption?: 'SM4' };

/** Everything HEAD + GetObjectTagging + GetObjectACL say about one object (version). */
export interface ObjectHead {
  key: string;
  /** Without quotes. Compared case-insensitively. */
  etag: string;
  /** x-oss-hash-crc64ecma, decimal. */
  crc64?: string;
  size: number;
  /** ms since the epoch. */
  lastModified: number;
  versionId?: string | null;
  storageClass?: string;
  encryption?: Encryption;
  headers: ContentHeaders;
  /** Lower-case names without 'x-oss-meta-', including the replica marker ('crr-origin') if present. */
  userMeta: Record<string, string>;
  tags: Record<string, string>;
  acl: ObjectAcl;
  /** Normal, Multipart, Appendable. */
  objectType?: string;
  /** The owner's id, from GetObjectACL's Owner (HEAD does not report it); absent when the answer named none. */
  owner?: string;
}

/**
 * Headers of a write, exactly as OSS names them: Content-Type, Content-Encoding, Content-Disposition, Cache-Control,
 * Expires, Content-Language, x-oss-meta-*, x-oss-tagging, x-oss-object-acl, x-oss-server-side-encryption(-key-id),
 * x-oss-storage-class. Values are plain (Unicode) strings; the adapter puts them on the wire as UTF-8.
 */
export interface PutOptions {
  headers: Record<string, string>;
  contentLength: number;
  /**
   * Refuse (ALREADY_EXISTS) instead of replacing an object that exists: OSS's x-oss-forbid-overwrite. Atomic
   * on unversioned buckets; OSS ignores it on versioned ones.
   */
  forbidOverwrite?: boolean;
}

export interface WriteResult {
  etag: string; // without quotes
  versionId?: string | null;
  crc64?: string; // the server's x-oss-hash-crc64ecma
}

export interface MultipartUpload {
  key: string;
  uploadId: string;
  initiated: number; // ms
}

export interface UploadedPart {
  partNumber: number;
  etag: string; // without quotes
  size: number;
  /** When the part was written (ms, whole seconds as OSS reports it): an upload's heartbeat. */
  lastModified: number;
}

export interface GetOptions {
  versionId?: string | null;
  /** Pins the read to this etag: a changed object fails with CrrError code SOURCE_CHANGED. */
  ifMatch?: string;
  /** Inclusive byte range, e.g. one part of a multipart copy. */
  range?: { start: number; end: number };
}

export interface ObjectBody {
  stream: Readable;
  etag: string; // without quotes
  size: number; // bytes this stream yields
}

/**
 * One OSS endpoint (region + credentials), any bucket on it. Failures are CrrErrors whose code says what happened
 * (NOT_FOUND, SOURCE_CHANGED, THROTTLED, ...) and whose `retriable` says whether trying again can help.
 */
export interface ObjectStore {
  /** The signal this store's requests carry (see withSignal); undefined for a plain store. */
  readonly signal?: AbortSignal;
  /**
   * The same store with every request carrying `signal` (undefined: none). Aborting it destroys the requests
   * in flight, bodies included, and fails them with code ABORTED (not retriable). A write whose bytes already
   * reached OSS may still take effect: an abort stops the work, it does not undo it.
   */
  withSignal(signal: AbortSignal | undefined): ObjectStore;
  /** Streams every object of the bucket in key (byte) order, a page at a time. */
  listObjects(bucket: string, opts?: ListOptions): AsyncIterable<ListedObject[]>;
  /** Streams every version and delete marker, keys in byte order, newest version first within a key. */
  listObjectVersions(bucket: string, opts?: ListOptions): AsyncIterable<ListedObject[]>;
  isVersioned(bucket: string): Promise<boolean>;

  /** HEAD + (tagging when x-oss-tagging-count > 0) + object ACL. null when the key does not exist or its latest is a delete marker. */
  headObject(bucket: string, key: string, versionId?: string | null): Promise<ObjectHead | null>;
  /** Streams the body; `ifMatch` pins the etag (412 -> CrrError code SOURCE_CHANGED), range for multipart part reads. */
  getObject(bucket: string, key: string, opts?: GetOptions): Promise<ObjectBody>;
  /**
   * The latest state of a key and its body, from one GET (plus its ACL, and tagging when it has tags): what
   * HEAD + GET would give, one request cheaper. null when absent. Unversioned use: the ACL is read unpinned,
   * alongside the GET. The caller must consume or destroy the stream.
   */
  openObject(bucket: string, key: string): Promise<{ head: ObjectHead; stream: Readable } | null>;
  putObject(bucket: string, key: string, body: Readable | Buffer, opts: PutOptions): Promise<WriteResult>;
  initiateMultipart(bucket: string, key: string, headers: Record<string, string>): Promise<string /* uploadId */>;
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable | Buffer, size: number): Promise<string /* part etag */>;
  completeMultipart(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<WriteResult>;
  abortMultipart(bucket: string, key: string, uploadId: string): Promise<void>;
  listMultipartUploads(bucket: string, prefix?: string): Promise<MultipartUpload[]>;
  listParts(bucket: string, key: string, uploadId: string): Promise<UploadedPart[]>;
  /** In-place metadata replace: CopyObject of the object onto itself with x-oss-metadata-directive REPLACE and these headers. */
  replaceMetadata(bucket: string, key: string, headers: Record<string, string>): Promise<WriteResult>;
  putAcl(bucket: string, key: string, acl: ObjectAcl, versionId?: string | null): Promise<void>;
  putTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string | null): Promise<void>;
  deleteTags(bucket: string, key: string, versionId?: string | null): Promise<void>;
  /** Deletes the object (versioned bucket: makes a delete marker) or one version. */
  deleteObject(bucket: string, key: string, versionId?: string | null): Promise<{ deleteMarker: boolean; versionId?: string | null }>;
  /** Every version and delete marker of exactly this key, newest first (ListObjectVersions with prefix=key, filtered to the key). */
  listKeyVersions(bucket: string, key: string): Promise<ListedObject[]>;
}

/**
 * A store that changes some operations of `store` (`over` returns them, given the store to call) and keeps
 * doing so on every signal-bound view of it, so a wrapper is never lost by withSignal.
 */
export function decorateStore(store: ObjectStore, over: (inner: ObjectStore) => Partial<Omit<ObjectStore, 'signal' | 'withSignal'>>): ObjectStore {
  return { ...store, ...over(store), signal: store.signal, withSignal: (signal) => decorateStore(store.withSignal(signal), over) };
}

/** The x-oss-tagging header value for these tags (URL-encoded key=value pairs joined by `&`). */
export function taggingHeader(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}
