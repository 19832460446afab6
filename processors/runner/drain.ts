// The drain at stop: fetch nothing more, let in-flight work finish (abort it after the timeout: it is then
// redelivered to the next owner), commit the final watermark and leave the group.
import type { BusConsumer } from '../../core/ports/bus.ts';
import { CrrError } from '../../core/errors.ts';
import type { CommitLoop } from './commit-loop.ts';
import type { InFlight } from './in-flight.ts';
import { splitPartitionId } from './partition-id.ts';

export interface DrainParts {
  consumer: BusConsumer;
  owned: () => string[];
  inFlight: InFlight<unknown>;
  commits: CommitLoop;
  timeoutMs: number;
  warn(msg: string, ctx: Record<string, unknown>): void;
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long aborted work gets to settle once the drain timed out. */
const ABORT_SETTLE_MS = 1000;

export async function drainAndLeave(d: DrainParts): Promise<void> {
  d.commits.stop();
  for (const id of d.owned()) {
    const { topic, partition } = splitPartitionId(id);
    d.consumer.pause(topic, [partition]);
  }
  if (!(await d.inFlight.waitIdle(d.timeoutMs))) {
    d.warn('drain timed out: aborting in-flight work, which will be redelivered', { inFlight: d.inFlight.size });
    d.inFlight.abort(new CrrError('runner stopping', { code: 'CRR_RUNNER_STOPPING', retriable: true }));
    await d.inFlight.waitIdle(ABORT_SETTLE_MS);
  }
  await d.commits.settled();
  // A commit is built at the start of a macrotask (see CommitLoop.commit).
  await macrotask();
  await d.commits.commit();
  await d.consumer.disconnect();
}
