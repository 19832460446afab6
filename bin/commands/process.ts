// crr process --config FILE: the real-time processor (one member of the processors' consumer group).
import { consumerOpener } from '../../core/adapters/kafka/consumer.ts';
import { brokerOffsets } from '../../core/adapters/kafka/offsets.ts';
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { startProcessing } from '../../processors/start-processing.ts';
import { onShutdown, startRuntime } from './shared.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';

export async function processCommand(opts: { config: string }): Promise<void> {
  const rt = await startRuntime('process', opts.config);
  const producer = await createProducer(rt.kafka);
  const processing = await startProcessing({ config: rt.config, openConsumer: consumerOpener(rt.kafka), producer, storeFor: storeFactory(rt.config, rt.metrics),
    metrics: rt.metrics, logger: rt.logger, brokerOffsets: brokerOffsets(rt.kafka) });
  rt.logger.info({ rules: rt.config.rules.map((r) => r.id), group: rt.config.processing.groupId }, 'processing changes');
  processing.done.catch((err) => {
    rt.logger.error({ err: (err as Error).message }, 'the runner stopped on an error; exiting so a restart resumes from the last commit');
    process.exit(1);
  });
  onShutdown(rt.logger, async () => {
    await processing.stop();
    await producer.disconnect();
    await rt.closeMetrics();
  });
}
