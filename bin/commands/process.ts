// crr process --config FILE: the real-time processor (one member of the processors' consumer group), the
// backfill worker lane, and a candidate owner of the backfill jobs (the member that owns the backfill-jobs
// partition plans and counts them; see producers/backfill/owner.ts).
import { consumerOpener } from '../../core/adapters/kafka/consumer.ts';
import { brokerOffsets, endOffsets } from '../../core/adapters/kafka/offsets.ts';
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { readTopicToEnd } from '../../core/adapters/kafka/read-to-end.ts';
import { createTransactionalProducer } from '../../core/adapters/kafka/transactional-producer.ts';
import { startProcessing } from '../../processors/start-processing.ts';
import { startJobView } from '../../core/backfill-job-view.ts';
import { setJobGauges } from '../../producers/backfill/job-gauges.ts';
import { startBackfillOwner } from '../../producers/backfill/owner.ts';
import { EXIT } from './exit-codes.ts';
import { followRulesTopic } from './live-rules.ts';
import { rulesOf } from '../../core/rules/live-rules.ts';
import { onShutdown, startRuntime, viewConsumerOpener } from './shared.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';

export async function processCommand(opts: { config: string }): Promise<void> {
  const rt = await startRuntime('process', opts.config);
  const producer = await createProducer(rt.kafka);
  const openConsumer = consumerOpener(rt.kafka);
  const rules = await followRulesTopic(rt, producer);
  const storeFor = storeFactory(rt.config, rt.metrics, undefined, (id) => rules.entries().get(id)?.rule);
  const view = await startJobView(viewConsumerOpener(rt, 'backfill-jobs view'), rt.config.topicNames.backfillJobs, `${rt.config.processing.groupId}-backfill-view`);
  view.onChange((job) => setJobGauges(rt.metrics, job));
  const processing = await startProcessing({ config: rt.config, openConsumer, producer, storeFor, metrics: rt.metrics, logger: rt.logger, backfill: { view }, liveRules: rules,
    brokerOffsets: brokerOffsets(rt.kafka), readTopic: (topic, onRecord) => readTopicToEnd(rt.kafka, topic, onRecord) });
  // The owner reads config.rules when it plans a job or starts a historical one: the live set's, not the file's.
  const liveConfig = Object.create(rt.config, { rules: { get: () => rulesOf(rules) } }) as typeof rt.config;
  const owner = await startBackfillOwner({ config: liveConfig, openConsumer, view, storeFor, logger: rt.logger, pageKeys: rt.config.processing.backfillPageKeys,
    transactionalProducer: (id) => createTransactionalProducer(rt.kafka, id), endOffsets: (topic) => endOffsets(rt.kafka, topic) });
  rt.logger.info({ rules: [...rules.entries().keys()], group: rt.config.processing.groupId }, 'processing changes');
  processing.done.catch((err) => {
    rt.logger.error({ err: (err as Error).message }, 'the runner stopped on an error; exiting so a restart resumes from the last commit');
    process.exit(EXIT.internal);
  });
  rt.probes.setReadiness(() => processing.readiness());
  onShutdown(rt.logger, async () => {
    rt.probes.stopping();
    await owner.stop();
    await processing.stop();
    await view.stop();
    await rules.stop();
    await producer.disconnect();
    await rt.closeMetrics();
  }, rt.config.shutdownGraceMs);
}
