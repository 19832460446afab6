// crr dlq replay --config FILE [--rule R]: re-publishes dead letters as REPLAY triggers on the changes
// topic, so the key is reconciled again. A replay consumer group remembers what was replayed; the
// command stops when it has read the dead-letter topic to the end. Undecodable letters are not
// replayable (they would only fail again) and are counted instead.
import { createConsumer } from '../../core/adapters/kafka/consumer.ts';
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { describeError } from '../../core/errors.ts';
import { DLQ_HEADER } from '../../processors/dead-letter.ts';
import { startRunner } from '../../processors/runner/key-ordered-runner.ts';
import { decode } from '../../schemas/codec.ts';
import { changeRecord, replayChange } from '../../schemas/records.ts';
import { startRuntime } from './shared.ts';

export async function dlqReplayCommand(opts: { config: string; rule?: string }): Promise<void> {
  const rt = await startRuntime('dlq-replay', opts.config);
  const { config, logger } = rt;
  const producer = await createProducer(rt.kafka);
  const counts = { replayed: 0, skippedOtherRule: 0, notReplayable: 0 };
  const runner = await startRunner({
    consumer: await createConsumer(rt.kafka, { groupId: `${config.processing.groupId}-dlq-replay` }),
    topics: [config.topicNames.deadLetter],
    fromBeginning: true,
    concurrency: 16,
    handle: async (msg) => {
      const rule = msg.headers[DLQ_HEADER.rule]?.toString();
      if (opts.rule && rule !== opts.rule) return void counts.skippedOtherRule++;
      try {
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
  // Wait until the topic is read to its end and everything read is handled.
  let quiet = 0;
  while (quiet < 3) {
    await new Promise((r) => setTimeout(r, 500));
    const s = runner.stats();
    const idle = s.inFlight === 0 && s.buffered === 0 && Object.values(s.lag).every((l) => l === 0);
    quiet = idle ? quiet + 1 : 0;
  }
  await runner.stop();
  await producer.disconnect();
  await rt.closeMetrics();
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
}
