// Every crr_ metric, declared in one place (DESIGN §7): base units, labels rule/topic/partition/op/result.
// The registry is passed in, so each test and each process gets its own.
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/** prom-client's Node metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …) under the bus's one prefix. */
export const PROCESS_METRICS_PREFIX = 'crr_';

/** Adds the Node process metrics to a registry: crr_process_cpu_seconds_total, crr_nodejs_eventloop_lag_seconds, …. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: PROCESS_METRICS_PREFIX });
}

const delayBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 600];

export function createMetrics(registry: Registry) {
  const registers = [registry];
  return {
    registry,
    // capture
    eventsReceived: new Counter({ name: 'crr_capture_events_received_total', help: 'OSS change events received by capture, by source (notification, listing)', labelNames: ['source'], registers }),
    eventsPublished: new Counter({ name: 'crr_capture_events_published_total', help: 'Change events acknowledged by Kafka, per rule', labelNames: ['rule'], registers }),
    eventsRejected: new Counter({ name: 'crr_capture_events_rejected_total', help: 'Requests or events refused by capture, by reason', labelNames: ['reason'], registers }),
    eventsUnmatched: new Counter({ name: 'crr_capture_events_unmatched_total', help: 'Well-formed events that match no rule (bucket or prefix outside every rule)', registers }),
    echoesDropped: new Counter({ name: 'crr_capture_echoes_dropped_total', help: 'Events caused by replication itself, dropped before publishing, per rule', labelNames: ['rule'], registers }),
    captureDelay: new Histogram({ name: 'crr_capture_delay_seconds', help: 'From the OSS event time to the Kafka acknowledgement', labelNames: ['rule'], buckets: delayBuckets, registers }),
    // processing
    reconciles: new Counter({ name: 'crr_reconciles_total', help: 'Reconciles finished, by rule, action (op) and result (ok, dead_lettered, no_rule, skipped_kms: an SSE-KMS source the rule does not replicate)', labelNames: ['rule', 'op', 'result'], registers }),
    bytesCopied: new Counter({ name: 'crr_copied_bytes_total', help: 'Bytes written to destinations, per rule', labelNames: ['rule'], registers }),
    ossRequests: new Counter({ name: 'crr_oss_requests_total', help: 'OSS requests made by processors, per rule, operation and result: ok, absent (no such key or version), exists (a create-only PUT found the key) or error (for per-tenant accounting)', labelNames: ['rule', 'op', 'result'], registers }),
    replicationDelay: new Histogram({ name: 'crr_replication_delay_seconds', help: 'From the source change to the destination being in sync', labelNames: ['rule'], buckets: delayBuckets, registers }),
    destinationBandwidthLimit: new Gauge({ name: 'crr_destination_bandwidth_limit_bytes_per_second', help: 'A rule\'s destination.maxBytesPerSecond in this process (absent: unlimited)', labelNames: ['rule'], registers }),
    destinationBytesSent: new Counter({ name: 'crr_destination_sent_bytes_total', help: 'Body bytes sent to a rule\'s destination (PUT and UploadPart) as they go on the wire: its rate is the used bandwidth', labelNames: ['rule'], registers }),
    reconcileRestarts: new Counter({ name: 'crr_reconcile_restarts_total', help: 'Reconciles started again from the start, per rule and reason: source-changed (the source changed under a copy), upload-vanished (a copy\'s own multipart upload was aborted under it)', labelNames: ['rule', 'reason'], registers }),
    deadLetters: new Counter({ name: 'crr_dead_letters_total', help: 'Triggers parked in the dead-letter topic, per rule and stage', labelNames: ['rule', 'stage'], registers }),
    consumerLag: new Gauge({ name: 'crr_consumer_lag_messages', help: 'End offset minus the group\'s committed offset, from the broker, per topic and partition (a processor: the partitions it owns)', labelNames: ['topic', 'partition'], registers }),
    // Registered by whoever polls the broker's offsets (core/metrics/consumer-lag.ts), so a process that
    // never asks (capture) does not report a 0 it never measured.
    kafkaReachable: new Gauge({ name: 'crr_kafka_reachable', help: '1 when the last admin round trip to Kafka (offsets for lag) succeeded, 0 when it failed', registers: [] }),
    replicatedUntil: new Gauge({ name: 'crr_replicated_until_timestamp_seconds', help: 'Every change captured before this time is applied, per rule', labelNames: ['rule'], registers }),
    ruleHalted: new Gauge({ name: 'crr_rule_halted', help: '1 while a rule is halted for this reason (its triggers wait), 0 after it resumed', labelNames: ['rule', 'reason'], registers }),
    ruleLag: new Gauge({ name: 'crr_rule_lag_seconds', help: 'Now minus the replicated-until watermark, per rule', labelNames: ['rule'], registers }),
    // backfill
    backfillTotal: new Gauge({ name: 'crr_backfill_objects_total', help: 'Objects listed by a backfill job (known when its listing ends)', labelNames: ['rule', 'job'], registers }),
    backfillCompleted: new Gauge({ name: 'crr_backfill_objects_completed', help: 'Objects of a backfill job reconciled so far', labelNames: ['rule', 'job'], registers }),
    backfillProgress: new Gauge({ name: 'crr_backfill_progress_ratio', help: 'Completed / total for a backfill job (0 until the listing ends)', labelNames: ['rule', 'job'], registers }),
    backfillRunning: new Gauge({ name: 'crr_backfill_running', help: '1 while a backfill job plans or has tasks to do (not paused, cancelled or done), else 0', labelNames: ['rule', 'job'], registers }),
  };
}

export type CrrMetrics = ReturnType<typeof createMetrics>;
