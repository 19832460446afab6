// A group's committed offsets come from its coordinator, and kafkajs's admin asks it once: a coordinator
// that is still loading the group (a fresh or restarted broker) or has just moved answers with a
// retriable error, and `crr status`'s first read after start failed on it. Those errors are retried here,
// briefly (a read has its own timeout above: 10 s for crr status); any other error is the caller's.
import { hasKafkaErrorType } from './failures.ts';

/** The offset-fetch answers that mean "ask again" (Kafka's codes 14, 15, 16), as kafkajs names them. */
const COORDINATOR_NOT_READY = new Set(['COORDINATOR_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP']);

export function isCoordinatorNotReady(err: unknown): boolean {
  return hasKafkaErrorType(err, COORDINATOR_NOT_READY);
}

/** The sleeps between attempts: about 5 s in all, inside crr status's 10 s read timeout. */
export const COORDINATOR_RETRY_DELAYS_MS = [100, 200, 400, 800, 1000, 1000, 1000, 1000] as const;

/** Runs `fn`, again after each sleep while it fails with a coordinator not ready; the last failure is thrown. */
export async function retryCoordinator<T>(fn: () => Promise<T>, delaysMs: readonly number[] = COORDINATOR_RETRY_DELAYS_MS,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= delaysMs.length || !isCoordinatorNotReady(err)) throw err;
      await sleep(delaysMs[attempt]!);
    }
  }
}
