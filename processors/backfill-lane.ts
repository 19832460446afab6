// The backfill lane's handler: one BackfillTask reconciled with the real-time code (trigger BACKFILL), then
// its BackfillTaskDone written with its outcome (acknowledged before the handler returns, so before the offset
// commit: a crash in between repeats the task, and the owner counts its seq once). A paused job's tasks wait; a
// cancelled job's tasks are skipped and counted.
import { CoalescingPublisher } from '../core/coalescing-publisher.ts';
import type { Logger } from '../core/logging.ts';
import type { BusProducer, InboundMessage } from '../core/ports/bus.ts';
import { describeError } from '../core/errors.ts';
import { decode, encode } from '../schemas/codec.ts';
import type { BackfillTask } from '../schemas/types.ts';
import type { JobView } from '../core/backfill-job-view.ts';
import type { DeadLetters } from './dead-letter.ts';
import type { Processor, TaskEnd } from './processor.ts';

export interface BackfillLaneDeps {
  processor: Processor;
  view: JobView;
  producer: BusProducer;
  doneTopic: string;
  deadLetters: DeadLetters;
  logger: Logger;
  now?: () => number;
}

type JobStand = 'run' | 'wait' | 'skip';

function standOf(view: JobView, jobId: string): JobStand {
  const entry = view.get(jobId);
  if (!entry) return 'run'; // the view has not read the job's record yet; the task is valid on its own
  if (entry.latest.state === 'CANCELLED' || entry.request?.request === 'CANCEL') return 'skip';
  if (entry.request?.request === 'PAUSE' || entry.latest.state === 'PAUSED') return entry.request?.request === 'RESUME' ? 'run' : 'wait';
  return 'run';
}

export function backfillHandler(deps: BackfillLaneDeps): (msg: InboundMessage, ctx: { signal: AbortSignal }) => Promise<void> {
  const now = deps.now ?? Date.now;
  // Done records of tasks finishing together share one produce request; each handler still awaits its own ack.
  const done = new CoalescingPublisher(deps.producer, deps.doneTopic);
  return async (msg, { signal }) => {
    let task: BackfillTask;
    try {
      task = decode('BackfillTask', msg.value ?? Buffer.alloc(0));
    } catch (err) {
      deps.logger.warn({ topic: msg.topic, partition: msg.partition, offset: msg.offset, err: describeError(err) }, 'undecodable backfill task; dead-lettered');
      await deps.deadLetters.park(msg, { stage: 'decode', error: err, attempts: 1, now: now() });
      return;
    }
    let stand = standOf(deps.view, task.jobId);
    while (stand === 'wait') {
      if (signal.aborted) throw signal.reason;
      await new Promise((r) => setTimeout(r, 250));
      stand = standOf(deps.view, task.jobId);
    }
    const doneRecords = ({ result, bytes }: TaskEnd) => ({ topic: deps.doneTopic,
      records: [{ key: task.jobId, value: encode('BackfillTaskDone', { jobId: task.jobId, seq: task.seq, result, bytes, completedAt: now() }) }] });
    // Run: the task's outcome and done record go out in one produce request (reconcileTask publishes them).
    if (stand === 'run') await deps.processor.reconcileTask(msg, task, signal, doneRecords);
    else await done.publish(doneRecords({ result: 'SKIPPED', bytes: 0 }).records);
  };
}
