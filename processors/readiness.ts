// Whether a processor is ready (GET /readyz): every lane's group member is connected to Kafka, holds an
// assignment, and is not stalled, i.e. has finished work within `stalledAfterMs` or has nothing to do.
// "Something to do" is the broker's lag (end − committed, core/metrics/consumer-lag.ts) where a lag round
// has read it: the runner's lag comes from fetched batches and freezes when fetches stop, so a stalled
// fetch with messages waiting would look idle. Pure: the members' health in, the reasons out.
import type { Readiness } from '../core/metrics/serve.ts';
import type { MemberHealth } from './runner/key-ordered-runner.ts';

export type { Readiness } from '../core/metrics/serve.ts';

export interface ReadinessLimits {
  /** Silence from every broker for longer than this means Kafka is out of reach. */
  contactTimeoutMs: number;
  /** No finished work for longer than this while lag > 0 means the member is stalled. */
  stalledAfterMs: number;
}

/**
 * The member's health with its lag taken from the broker: `brokerLag` is partition → lag for the partitions
 * it owns, as the last lag round read them. Without such a reading (no round yet, no lag monitor) the
 * runner's fetched lag stands.
 */
export function withBrokerLag(h: MemberHealth, brokerLag: ReadonlyMap<number, number> | undefined): MemberHealth {
  if (!brokerLag || brokerLag.size === 0) return h;
  let lag = 0;
  for (const l of brokerLag.values()) lag += l;
  return { ...h, lag };
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** `needsPartitions`: a member of this lane holding no partition is not ready (the changes lane; a backfill lane may own none). */
export function memberReasons(lane: string, h: MemberHealth, limits: ReadinessLimits, now: number, needsPartitions = true): string[] {
  const reasons: string[] = [];
  if (h.lastContactAt === undefined) reasons.push(`${lane}: not connected to Kafka yet`);
  else if (now - h.lastContactAt > limits.contactTimeoutMs) reasons.push(`${lane}: no answer from Kafka for ${seconds(now - h.lastContactAt)}`);
  if (!h.member) reasons.push(`${lane}: not a member of its consumer group`);
  else if (needsPartitions && h.partitions === 0) reasons.push(`${lane}: the group assigned it no partition`);
  if (h.lag > 0 && now - h.lastProgressAt > limits.stalledAfterMs) {
    reasons.push(`${lane}: stalled: nothing finished for ${seconds(now - h.lastProgressAt)} while ${h.lag} messages wait`);
  }
  return reasons;
}

/** Every lane's member must be connected and not stalled; only the first lane's must hold a partition. */
export function processingReadiness(lanes: Record<string, MemberHealth>, limits: ReadinessLimits, now: number): Readiness {
  const reasons = Object.entries(lanes).flatMap(([lane, h], i) => memberReasons(lane, h, limits, now, i === 0));
  return { ready: reasons.length === 0, reasons };
}
