// What the pipeline benchmarks add to the local stack: the broker they use, and tracing (BENCH_TRACE=1) of
// where a reconcile's time goes, per store operation and per produce request.
import type { BusProducer } from '../../core/adapters/kafka/producer.ts';
import type { CrrMetrics } from '../../core/metrics/metrics.ts';
import { decorateStore, type ObjectStore } from '../../core/ports/object-store.ts';
import { start as startBroker } from '../../deploy/local/kafka/broker.ts';
import type { KafkaSetup } from '../../deploy/local/stack.ts';

/** KAFKA_BROKERS when set, else the local broker on 19092 (started if it is not running, and left running). */
export function benchKafka(): KafkaSetup {
  const given = process.env.KAFKA_BROKERS;
  return given ? { brokers: given.split(',') } : { start: { port: 19092 } };
}

/** The same broker as benchKafka(), as a broker list, for benchmarks without a local stack. */
export async function benchBrokers(): Promise<string> {
  return process.env.KAFKA_BROKERS ?? (await startBroker({ port: 19092 })).brokers;
}

/** Time spent per traced operation: where a reconcile's time goes. */
export const opTimes = new Map<string, { n: number; ms: number }>();

function record(key: string, t0: number): void {
  const e = opTimes.get(key) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += performance.now() - t0;
  opTimes.set(key, e);
}

export function timedStore(side: string, outer: ObjectStore): ObjectStore {
  return decorateStore(outer, (store) => timedOps(side, store));
}

function timedOps(side: string, store: ObjectStore): Partial<ObjectStore> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(store) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    if (name === 'signal' || name === 'withSignal') continue;
    out[name] = async (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return await fn(...args);
      } finally {
        record(`${side}.${name}`, t0);
      }
    };
  }
  return out as Partial<ObjectStore>;
}

export function timedProducer(name: string, producer: BusProducer): BusProducer {
  return {
    ...producer,
    send: async (topic, records) => {
      const t0 = performance.now();
      try {
        return await producer.send(topic, records);
      } finally {
        record(`${name}.produce ${topic.slice(topic.lastIndexOf('.') + 1)}`, t0);
      }
    },
  };
}

/** Sum of crr_reconciles_total over the ok results (any action). */
export async function reconcilesDone(metrics: CrrMetrics): Promise<{ ok: number; failed: number }> {
  const data = await metrics.reconciles.get();
  let ok = 0;
  let failed = 0;
  for (const v of data.values) {
    if (v.labels.result === 'ok') ok += v.value;
    else failed += v.value;
  }
  return { ok, failed };
}
