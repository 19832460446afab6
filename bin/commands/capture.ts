// crr capture --config FILE: runs the notification receiver, the listing poller, or both.
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { createObjectStore } from '../../core/adapters/oss/object-store.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { startCapture } from '../../producers/capture.ts';
import { onShutdown, startRuntime } from './shared.ts';

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
  const stores = new Map<string, ObjectStore>();
  const storeFor = (name: string) => {
    let store = stores.get(name);
    if (!store) {
      const ep = config.endpoint(name);
      store = createObjectStore({ endpoint: ep.endpoint, region: ep.region, signatureVersion: ep.signatureVersion, timeoutMs: ep.timeoutMs,
        ...config.credentials(name) });
      stores.set(name, store);
    }
    return store;
  };
  const producer = await createProducer(rt.kafka);
  const receiverToken = config.capture.receiver ? process.env[config.capture.receiver.tokenEnv] : undefined;
  const capture = await startCapture({ config, producer, storeFor, metrics: rt.metrics, logger, receiverToken }, what);
  onShutdown(logger, async () => {
    await capture.stop();
    await producer.disconnect();
    await rt.closeMetrics();
  });
}
