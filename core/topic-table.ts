// The bus's topics (DESIGN §2) in one table: each one's name after the bus prefix, cleanup policy,
// retention, and a fixed partition count where it has one (else topics.partitions). config/load.ts names
// the topics from it and bus-topics.ts creates them from it, so a new topic is one more row.
const DAY_MS = 24 * 60 * 60 * 1000;

export interface BusTopicDefinition {
  /** The name after the bus prefix. */
  suffix: string;
  cleanupPolicy: 'delete' | 'compact';
  retentionMs?: number;
  partitions?: number;
}

export const BUS_TOPICS = {
  changes: { suffix: 'changes', cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
  backfill: { suffix: 'backfill', cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
  // Backfill workers' "task done" records, counted once per task seq by the job's owner; kept as long as a job may run.
  backfillDone: { suffix: 'backfill-done', cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
  outcomes: { suffix: 'outcomes', cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS },
  deadLetter: { suffix: 'dead-letter', cleanupPolicy: 'delete', retentionMs: 30 * DAY_MS },
  // Compacted state: one partition keeps every key's latest value in one place.
  backfillJobs: { suffix: 'backfill-jobs', cleanupPolicy: 'compact', partitions: 1 },
  state: { suffix: 'state', cleanupPolicy: 'compact', partitions: 1 },
  // The rules control plane (crr rules): key rule id, value io.crr.Rule, a tombstone deletes.
  rules: { suffix: 'rules', cleanupPolicy: 'compact', partitions: 1 },
  // The multipart uploads processors started and have not finished (processors/upload-leases.ts).
  uploads: { suffix: 'uploads', cleanupPolicy: 'compact', partitions: 1 },
} as const satisfies Record<string, BusTopicDefinition>;

export type BusTopic = keyof typeof BUS_TOPICS;
export type TopicNames = Record<BusTopic, string>;

export const busTopics = Object.keys(BUS_TOPICS) as BusTopic[];

export function topicNames(prefix: string): TopicNames {
  return Object.fromEntries(busTopics.map((t) => [t, `${prefix}${BUS_TOPICS[t].suffix}`])) as TopicNames;
}
