// crr capture --config FILE: runs the notification receiver, the listing poller, or both.
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { readTopicToEnd } from '../../core/adapters/kafka/read-to-end.ts';
import { watchPublishing } from '../../core/publish-health.ts';
import { startCapture } from '../../producers/capture.ts';
import { followRulesTopic } from './live-rules.ts';
import { onShutdown, startRuntime } from './shared.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';

export async function captureCommand(opts: { config: string; receiver?: boolean; poller?: boolean }): Promise<void> {
  const rt = await startRuntime('capture', opts.config);
  const { config, logger } = rt;
  const both = opts.receiver === undefined && opts.poller === undefined;
  const what = {
    receiver: both ? Boolean(config.capture.receiver) : Boolean(opts.receiver),
    poller: both ? Boolean(config.capture.poller) : Boolean(opts.poller),
  };
  if (!what.receiver && !what.poller) {
    process.stderr.write('capture: nothing to run: configure capture.receiver and/or capture.poller\n');
    process.exit(2);
  }
  const publishing = watchPublishing(await createProducer(rt.kafka));
  const producer = publishing.producer;
  const rules = await followRulesTopic(rt, producer);
  const storeFor = storeFactory(config, rt.metrics, undefined, (id) => rules.entries().get(id)?.rule);
  const receiverToken = config.capture.receiver ? process.env[config.capture.receiver.tokenEnv] : undefined;
  const readState = (onRecord: Parameters<typeof readTopicToEnd>[2]) => readTopicToEnd(rt.kafka, config.topicNames.state, onRecord);
  const capture = await startCapture({ config, producer, storeFor, metrics: rt.metrics, logger, receiverToken, readState, liveRules: rules }, what);
  rt.probes.setReadiness(publishing.readiness);
  onShutdown(logger, async () => {
    rt.probes.stopping();
    await capture.stop();
    await rules.stop();
    await producer.disconnect();
    await rt.closeMetrics();
  }, config.shutdownGraceMs);
}
