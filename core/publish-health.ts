// Whether capture can publish (its /readyz): a producer decorator that remembers the last answer Kafka gave.
// Until a send fails it is ready (startup already reached the brokers); after a failure it is not, until a
// send is acknowledged again.
import type { BusProducer } from './ports/bus.ts';
import type { Readiness } from './metrics/serve.ts';

export function watchPublishing(producer: BusProducer, now: () => number = Date.now): { producer: BusProducer; readiness(): Readiness } {
  let failed: { at: number; message: string } | undefined;
  const watch = async <T>(send: () => Promise<T>): Promise<T> => {
    try {
      const acks = await send();
      failed = undefined;
      return acks;
    } catch (err) {
      failed = { at: now(), message: err instanceof Error ? err.message : String(err) };
      throw err;
    }
  };
  return {
    producer: {
      send: (topic, records) => watch(() => producer.send(topic, records)),
      sendBatch: (batches) => watch(() => producer.sendBatch(batches)),
      disconnect: () => producer.disconnect(),
    },
    readiness: () => failed
      ? { ready: false, reasons: [`cannot publish: Kafka did not acknowledge the last send ${Math.round((now() - failed.at) / 1000)} s ago: ${failed.message}`] }
      : { ready: true, reasons: [] },
  };
}
