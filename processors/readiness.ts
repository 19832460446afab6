// Whether a processor is ready (GET /readyz): every lane's group member is connected to Kafka, holds an
// assignment, and is not stalled, i.e. has finished work within `stalledAfterMs` or has nothing to do.
// Pure: the runners' member health in, the reasons it is not ready out.
import type { Readiness } from '../core/metrics/serve.ts';
import type { MemberHealth } from './runner/key-ordered-runner.ts';

export type { Readiness } from '../core/metrics/serve.ts';

export interface ReadinessLimits {
  /** Silence from every broker for longer than this means Kafka is out of reach. */
  contactTimeoutMs: number;
  /** No finished work for longer than this while lag > 0 means the member is stalled. */
  stalledAfterMs: number;
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
