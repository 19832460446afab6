// A consumer-group member's timing from the config, the same for every group the bus runs (the processors'
// lanes, the backfill owner): how soon a crashed member's partitions move to the others.
export interface GroupTiming {
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** A tenth of the session timeout (at least 100 ms), as Kafka advises (at most a third). */
  heartbeatIntervalMs: number;
}

export function groupTiming(p: { sessionTimeoutMs: number; rebalanceTimeoutMs: number }): GroupTiming {
  return { sessionTimeoutMs: p.sessionTimeoutMs, rebalanceTimeoutMs: p.rebalanceTimeoutMs, heartbeatIntervalMs: Math.max(100, Math.floor(p.sessionTimeoutMs / 10)) };
}
