// TypeScript shapes of the Avro records in schemas/<Record>/v<N>.avsc (the current version of each).
// Nullable Avro fields are `T | null`; enums are string unions whose symbol lists a test checks against the .avsc files.

export const CHANGE_OPERATIONS = ['PUT', 'COPY', 'APPEND', 'MULTIPART', 'DELETE', 'DELETE_MARKER', 'ACL', 'TAGGING', 'METADATA', 'UNKNOWN'] as const;
export type ChangeOperation = (typeof CHANGE_OPERATIONS)[number];

export const CAPTURE_SOURCES = ['NOTIFICATION', 'LISTING', 'REPLAY', 'REPAIR'] as const;
export type CaptureSource = (typeof CAPTURE_SOURCES)[number];

export const BACKFILL_JOB_STATES = ['PLANNING', 'LISTED', 'DONE', 'CANCELLED', 'FAILED', 'PAUSED'] as const;
export type BackfillJobState = (typeof BACKFILL_JOB_STATES)[number];

export const BACKFILL_COMPARES = ['LISTING', 'FULL'] as const;
export type BackfillCompare = (typeof BACKFILL_COMPARES)[number];

export const BACKFILL_TASK_RESULTS = ['COPIED', 'DELETED', 'UPDATED', 'SKIPPED', 'DEAD_LETTERED'] as const;
export type BackfillTaskResult = (typeof BACKFILL_TASK_RESULTS)[number];

export const REPLICATION_ACTIONS = ['COPY', 'DELETE', 'DELETE_MARKER', 'UPDATE_ATTRIBUTES', 'SKIP', 'NONE'] as const;
export type ReplicationAction = (typeof REPLICATION_ACTIONS)[number];

export const REPLICATION_RESULTS = ['OK', 'FAILED', 'DEAD_LETTERED', 'SKIPPED_KMS'] as const;
export type ReplicationResult = (typeof REPLICATION_RESULTS)[number];

export const RULE_STATES = ['ACTIVE', 'PAUSED'] as const;
export type RuleState = (typeof RULE_STATES)[number];

export const RULE_ACTIONS = ['ALL', 'PUT'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const REPLICATION_TRIGGERS = ['REALTIME', 'BACKFILL', 'REPAIR', 'REPLAY'] as const;
export type ReplicationTrigger = (typeof REPLICATION_TRIGGERS)[number];

/** A change of one object in a source bucket (topic changes). Times are ms since the epoch. */
export interface ObjectChange {
  eventId: string;
  ruleIds: string[];
  sourceBucket: string;
  region: string;
  key: string;
  operation: ChangeOperation;
  versionId: string | null;
  /** Without surrounding quotes. */
  etag: string | null;
  size: number | null;
  eventTime: number;
  captureTime: number;
  requester: string | null;
  origin: string | null;
  captureSource: CaptureSource;
  eventName: string;
  sequence: number | null;
}

/** One listed object of a backfill job (topic backfill). */
export interface BackfillTask {
  jobId: string;
  ruleId: string;
  sourceBucket: string;
  key: string;
  versionId: string | null;
  etag: string | null;
  size: number | null;
  listedAt: number;
  /** 0-based position in the job's listing. */
  seq: number;
}

/** State of a backfill job (compacted topic backfill-jobs, key jobId). */
export interface BackfillJob {
  jobId: string;
  ruleId: string;
  state: BackfillJobState;
  prefix: string | null;
  startedAt: number;
  updatedAt: number;
  listingMarker: string | null;
  published: number;
  total: number | null;
  error: string | null;
  compare: BackfillCompare;
  /** Distinct keys decided by the merge-join so far: listed = inSync + published. */
  listed: number;
  inSync: number;
  /** Planner pages committed; the record with the most pages holds the cursor matching the published tasks. */
  pages: number;
  copied: number;
  deleted: number;
  updated: number;
  skipped: number;
  deadLettered: number;
  bytesCopied: number;
  /** PAUSE, RESUME or CANCEL: an operator's latest request; the newest requestedAt wins. */
  request: string | null;
  requestedAt: number | null;
  completedAt: number | null;
}

/** A worker finished one backfill task (topic backfill-done, key jobId); the job's owner counts each seq once. */
export interface BackfillTaskDone {
  jobId: string;
  seq: number;
  result: BackfillTaskResult;
  bytes: number;
  completedAt: number;
}

/** Result of reconciling one key (topic outcomes). */
export interface ReplicationOutcome {
  outcomeId: string;
  ruleId: string;
  sourceBucket: string;
  destinationBucket: string;
  key: string;
  action: ReplicationAction;
  result: ReplicationResult;
  trigger: ReplicationTrigger;
  bytes: number;
  sourceEtag: string | null;
  sourceVersionId: string | null;
  destinationVersionId: string | null;
  eventTime: number | null;
  completedAt: number;
  delayMs: number | null;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
}

/** A replication rule (compacted topic rules, key: the rule id; a tombstone deletes it). Endpoints are names in each process's config. */
export interface Rule {
  id: string;
  state: RuleState;
  sourceEndpoint: string;
  sourceBucket: string;
  destinationEndpoint: string;
  destinationBucket: string;
  storageClass: string | null;
  /** AES256 or KMS. */
  encryption: string | null;
  kmsKeyId: string | null;
  maxBytesPerSecond: number | null;
  prefixes: string[];
  action: RuleAction;
  twoWay: boolean;
  historical: boolean;
  sameRegion: boolean;
  updatedAt: number;
}

export interface RecordTypes extends Record<RecordName, object> {
  ObjectChange: ObjectChange;
  BackfillTask: BackfillTask;
  BackfillJob: BackfillJob;
  BackfillTaskDone: BackfillTaskDone;
  ReplicationOutcome: ReplicationOutcome;
  Rule: Rule;
}

export type RecordName = 'ObjectChange' | 'BackfillTask' | 'BackfillJob' | 'BackfillTaskDone' | 'ReplicationOutcome' | 'Rule';

export const RECORD_NAMES: readonly RecordName[] = ['ObjectChange', 'BackfillTask', 'BackfillJob', 'BackfillTaskDone', 'ReplicationOutcome', 'Rule'];
