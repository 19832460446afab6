// The vocabulary of reconcile planning: what the planner reads about one key on each side (object
// states, version chains, the rule and its copy settings, the trigger) and what it decides (plans, version steps).

import type { Encryption, ObjectAcl, ObjectHead } from '../../core/ports/object-store.ts';

export type { ContentHeaders, Encryption, ObjectAcl } from '../../core/ports/object-store.ts';

/** What the planner knows of one object (version): what the ObjectStore's HEAD reports. */
export type ObjectState = Omit<ObjectHead, 'objectType'>;

/** One entry of ListObjectVersions for one key. */
export interface VersionEntry {
  versionId: string;
  isDeleteMarker: boolean;
  isLatest: boolean;
  lastModified: number;
  etag?: string;
  size?: number;
  /** The version's HEAD (with ACL and tags), where it was read: the planner maps destination versions
   * through their replica marker and copies attributes from it. Unread versions are listing entries. */
  state?: ObjectState;
  /** Destination versions left unread (chain-reads.ts): the source version the two listings pair this one
   * with. The planner maps it there as it would map it through its marker. */
  pairedWith?: string;
}

/** Which write a replica is a copy of: the bucket that first saw it, its time (Last-Modified) there, its etag there,
 * and its owner there (absent in markers written before it was recorded, or when the read named none). */
export interface ReplicaMarker {
  originBucket: string;
  originTime: number;
  originEtag: string;
  originVersionId?: string | null;
  originOwner?: string;
}

/** The part of a replication rule the planner needs. */
export interface RuleView {
  id: string;
  sourceBucket: string;
  destinationBucket: string;
  /** ALL replicates writes and deletes; PUT replicates writes only. */
  action: 'ALL' | 'PUT';
  /** destination.encryption: encryption of the replicas of objects that are not SSE-KMS encrypted at the source
   * (see replica-encryption.ts); none means the source's SSE-OSS algorithm, else the destination bucket's default. */
  encryption?: Encryption;
  /** The replicas' KMS key for SSE-KMS source objects; without it such objects are not replicated (replicateSseKms). */
  replicaKmsKeyId?: string;
  /** Storage class of the replicas; none means the source object's. */
  storageClass?: string;
  /** Mutual sync with a rule in the other direction: enables echo suppression and last-writer-wins. */
  twoWay?: boolean;
}

/** How copies are made: processing settings, the same for every rule, so they travel beside the rule rather than in it. */
export interface CopySettings {
  /** Objects larger than this are copied by multipart upload. */
  multipartThresholdBytes: number;
  partSizeBytes: number;
  /** Parts of one object copied at once. */
  partConcurrency: number;
}

export interface Trigger {
  kind: 'REALTIME' | 'BACKFILL' | 'REPAIR' | 'REPLAY';
  operation?: string;
  /** Time (ms) of the source-bucket event that caused this reconcile, when there was one. */
  eventTime?: number;
  versionId?: string | null;
  origin?: string | null;
  /** Object size the event reported, when it did (a hint: a copy of anything larger may have gone multipart). */
  size?: number | null;
}

/** What differs between two object states (see in-sync.ts). */
export type Difference = 'content' | 'headers' | 'meta' | 'tags' | 'acl' | 'storage-class' | 'encryption';

/** How to read the source for a copy: If-Match on the etag, and the version when versioned. */
export interface CopySource {
  key: string;
  etag: string;
  versionId?: string | null;
}

/** 'sse-kms': the source is SSE-KMS encrypted and the rule does not replicate such objects (replicateSseKms). */
export type SkipReason = 'in-sync' | 'echo' | 'destination-newer' | 'action-put' | 'both-absent' | 'sse-kms';

/**
 * The decision for one key of an unversioned pair. Header names are the ones OSS expects on the request
 * ('Content-Type', 'x-oss-meta-…', 'x-oss-tagging', …); the applier sends them as they are.
 */
export type Plan =
  | {
      kind: 'skip';
      reason: SkipReason;
      /** Two-way only: the sides differ but this direction must not act; the opposite rule owns the
       * difference, so a runner should reconcile the key in the other direction (see README). */
      differences?: Difference[];
    }
  | {
      kind: 'copy';
      source: CopySource;
      size: number;
      /** size > copy.multipartThresholdBytes */
      multipart: boolean;
      /** The complete header set of the PUT (or InitiateMultipartUpload) on the destination. */
      headers: Record<string, string>;
      differences: Difference[];
    }
  | {
      kind: 'update';
      /** PutObjectACL with this ACL ('default' included). Absent when replaceMeta is present (it carries the ACL). */
      acl?: ObjectAcl;
      /** PutObjectTagging with these tags, or DeleteObjectTagging when null. Absent when replaceMeta is present. */
      tags?: Record<string, string> | null;
      /** CopyObject of the destination onto itself with exactly these headers (metadata directive REPLACE,
       * tagging directive REPLACE, ACL, encryption, storage class and marker included). */
      replaceMeta?: Record<string, string>;
      /** The destination etag the update was planned against (x-oss-copy-source-if-match for replaceMeta). */
      destinationEtag: string;
      differences: Difference[];
    }
  | { kind: 'delete'; versionId?: string | null };

/** One step of a versioned plan; steps are applied in order. */
export type VersionStep =
  | {
      kind: 'copy-version';
      /** Appends a new version on the destination: a copy of this source version. */
      source: CopySource & { versionId: string };
      size: number;
      multipart: boolean;
      headers: Record<string, string>;
    }
  /** DELETE without a version id: appends a delete marker on the destination. */
  | { kind: 'delete-marker'; replicates: string }
  /** Permanently deletes one destination version (action ALL only). */
  | { kind: 'delete-version'; versionId: string; reason: 'source-version-gone' | 'source-delete-marker-gone' | 'duplicate-copy' }
  /** Tags and/or ACL of one destination version drifted from its source version. */
  | { kind: 'update-version'; versionId: string; acl?: ObjectAcl; tags?: Record<string, string> | null };
