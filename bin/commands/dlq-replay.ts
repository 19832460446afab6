// crr dlq replay --config FILE [--rule R]: re-publishes dead letters as REPLAY triggers on the changes
// topic, so the key is reconciled again; a dead-lettered backfill task goes back to the backfill topic. A replay consumer group (per rule with --rule) remembers what was
// replayed; the command stops when its group has committed every letter there was when it started. Undecodable letters are not
// replayable (they would only fail again) and are counted instead.
import { createConsumer } from '../../core/adapters/kafka/consumer.ts';
import { committedOffsets, endOffsets, topicOffsets } from '../../core/adapters/kafka/offsets.ts';
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { describeError } from '../../core/errors.ts';
import { DLQ_HEADER } from '../../processors/dead-letter.ts';
import { startRunner } from '../../processors/runner/key-ordered-runner.ts';
import { decode } from '../../schemas/codec.ts';
import { changeRecord, objectKey, replayChange } from '../../schemas/records.ts';
import { startOneShot } from './shared.ts';

/**
 * The replay group: one per rule replayed, and one for every rule. A group commits each letter it reads, so a
 * replay of rule R in a shared group would commit past the other rules' letters and they could never be
 * replayed. The price: a letter replayed for its rule is replayed again by an every-rule replay (reconcile is
 * idempotent, so that costs requests, not correctness).
 */
export function replayGroupId(groupId: string, rule: string | undefined): string {
  return rule ? `${groupId}-dlq-replay-rule-${rule}` : `${groupId}-dlq-replay`;
}

export async function dlqReplayCommand(opts: { config: string; rule?: string }): Promise<void> {
  const rt = await startOneShot('dlq-replay', opts.config, {
    endpoints: () => [], receiver: false, topics: (cfg) => [cfg.topicNames.deadLetter, cfg.topicNames.changes, cfg.topicNames.backfill],
  });
  const { config, logger } = rt;
  const topic = config.topicNames.deadLetter;
  const groupId = replayGroupId(config.processing.groupId, opts.rule);
  // The letters there are when the replay starts; it is done once its group has committed past all of them.
  const ends = await endOffsets(rt.kafka, topic);
  const producer = await createProducer(rt.kafka);
  const counts = { replayed: 0, skippedOtherRule: 0, notReplayable: 0 };
  const runner = await startRunner({
    consumer: await createConsumer(rt.kafka, { groupId }),
    topics: [topic],
    fromBeginning: true,
    concurrency: 16,
    handle: async (msg) => {
      const rule = msg.headers[DLQ_HEADER.rule]?.toString();
      if (opts.rule && rule !== opts.rule) return void counts.skippedOtherRule++;
      try {
        // A backfill task's letter goes back to the backfill topic as it was (same job and seq): the owner
        // counts its new result in place of the dead letter, so the job's counts still add up.
        if (msg.headers[DLQ_HEADER.topic]?.toString() === config.topicNames.backfill) {
          const task = decode('BackfillTask', msg.value ?? Buffer.alloc(0));
          await producer.send(config.topicNames.backfill, [{ key: msg.key ?? Buffer.from(objectKey(task.sourceBucket, task.key)), value: msg.value }]);
          counts.replayed++;
          return;
        }
        const change = decode('ObjectChange', msg.value ?? Buffer.alloc(0));
        const record = changeRecord(replayChange(change, rule, Date.now()));
        // The letter keeps the original key: the replay lands where the change did.
        await producer.send(config.topicNames.changes, [{ ...record, key: msg.key ?? record.key }]);
        counts.replayed++;
      } catch (err) {
        logger.warn({ offset: msg.offset, err: describeError(err) }, 'dead letter is not replayable');
        counts.notReplayable++;
      }
    },
  });
  const low = new Map((await topicOffsets(rt.kafka, topic)).map((p) => [p.partition, BigInt(p.low)]));
  const done = async () => {
    const committed = await committedOffsets(rt.kafka, groupId, topic);
    return [...ends].every(([p, end]) => BigInt(end) <= (low.get(p) ?? 0n) || BigInt(committed.get(p) ?? '-1') >= BigInt(end));
  };
  while (!(await done())) await new Promise((r) => setTimeout(r, 250));
  await runner.stop();
  await producer.disconnect();
  await rt.closeMetrics();
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
}
