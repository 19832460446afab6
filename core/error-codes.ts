// Every code a CrrError can carry, in one list (as platformatic/kafka's errorCodes): callers compare codes
// against this union, so a misspelt or retired code fails the typecheck instead of never matching. Codes are
// a stable contract: they go into dead-letter headers and outcome records, so rename none.

export const ERROR_CODES = [
  // Configuration and the event contract
  'INVALID_CONFIG', //        a config field is wrong (the command exits 2 naming it)
  'INVALID_SCHEMA', //        an Avro schema in schemas/ is malformed or breaks evolution
  'UNKNOWN_SCHEMA', //        a fingerprint or version no shipped schema has
  'UNKNOWN_RECORD', //        a record name the registry does not know
  'INVALID_RECORD', //        a record to encode misses or mistypes fields
  'WRONG_RECORD', //          the bytes hold another record than the one expected
  'MALFORMED_BODY', //        the bytes do not decode with their writer schema
  'NOT_SINGLE_OBJECT', //     not Avro single-object encoding (no C3 01 header)
  'INVALID_RULE', //          a rule record on the rules topic (or in a rules file) that the rule schema refuses
  'RULE_NOT_FOUND', //        no rule with that id on the rules topic (exit 2)
  // Capture
  'MALFORMED_EVENT', //       an OSS event notification the receiver cannot read
  // Processing
  'EMPTY_MESSAGE', //         a trigger on the bus without a value
  'UNKNOWN_RULE', //          a trigger names a rule this processor does not have
  'VERSIONING_MISMATCH', //   one side of a rule is versioned, the other not
  'CRR_PLAN_UNSUPPORTED', //  a pair the planner cannot reconcile (two-way versioned)
  'CRR_PLAN_MISSING_STATE', // a version chain entry came without its object state
  'CRR_PARTITION_REVOKED', // the runner gave the work up: its partition moved to another member
  'CRR_RUNNER_STOPPING', //   the runner gave the work up: its drain timed out
  'CRC_MISMATCH', //          a copy's crc64 differs from its source's
  'SOURCE_CHANGED', //        the source changed under a pinned read (412): reconcile the key again
  // Backfill
  'BACKFILL_JOB_RUNNING', //  a rule already has a backfill job that is not finished (exit 5)
  'BACKFILL_JOB_NOT_FOUND', // no backfill job with that id (exit 2)
  'BACKFILL_FENCED', //       another owner of the backfill jobs took over: this one stops planning
  // Kafka (core/adapters/kafka/failures.ts): failures a command reports in one line, with its exit code
  'KAFKA_AUTH_FAILED', //     the broker refused the SASL login (exit 4)
  'KAFKA_TLS_FAILED', //      TLS to the broker failed for good: its certificate, or an alert (exit 4)
  'KAFKA_UNREACHABLE', //     no broker answered within the retries (exit 3)
  // OSS answers (core/adapters/oss/error-table.ts) and the wire under them
  'NOT_FOUND', //             no such key or version
  'BUCKET_NOT_FOUND',
  'UPLOAD_NOT_FOUND',
  'ALREADY_EXISTS', //        a create-only PUT found the key
  'THROTTLED',
  'SERVER_ERROR',
  'TIMEOUT',
  'NETWORK',
  'ACCESS_DENIED',
  'AUTH_FAILED',
  'CREDENTIALS_EXPIRED', //   OSS refused an STS token as expired or unknown: sent again once the provider looked again
  'CREDENTIALS_UNAVAILABLE', // the credentials provider has none (an STS file unreadable, the metadata service down)
  'CLOCK_SKEW',
  'BODY_CORRUPTED', //        OSS saw other bytes than were sent (digest mismatch)
  'BODY_SIZE_MISMATCH', //    a streamed body had more or fewer bytes than announced
  'INVALID_REQUEST',
  'KMS_ERROR',
  'INVALID_OBJECT_STATE', //  e.g. an Archive object that is not restored
  'CONFLICT',
  'ABORTED', //               the request's owner aborted it (see ObjectStore.withSignal)
  'UNKNOWN', //               nothing known about the failure
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
