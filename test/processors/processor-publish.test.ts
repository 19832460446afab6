// The processor's records to Kafka through a broker outage: a dead letter (or outcome) the broker refuses is
// sent again until acknowledged, so the handler neither fails (which stops the runner) nor resolves before
// the record is in Kafka; an abort (revoke, drain) ends the wait and nothing is counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { CoalescingPublisher } from '../../core/coalescing-publisher.ts';
import { CrrError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import { createMetrics } from '../../core/metrics/metrics.ts';
import type { BusProducer, OutgoingRecord } from '../../core/ports/bus.ts';
import { fastRetryPolicy } from '../../core/retry.ts';
import { DeadLetters } from '../../processors/dead-letter.ts';
import { createProcessor } from '../../processors/processor.ts';
import type { RuleContexts } from '../../processors/rule-context.ts';
import { metricSum } from '../helpers/pipeline.ts';

/** A producer whose broker is away for the first `failures` sends. */
function flakyProducer(failures: number): BusProducer & { sent: { topic: string; records: OutgoingRecord[] }[]; attempts: number } {
  const p = {
    sent: [] as { topic: string; records: OutgoingRecord[] }[],
    attempts: 0,
    async send(topic: string, records: OutgoingRecord[]) {
      p.attempts++;
      if (p.attempts <= failures) throw new CrrError('Connection error: connect ECONNREFUSED', { code: 'KAFKA_UNREACHABLE', retriable: true });
      p.sent.push({ topic, records });
      return [];
    },
    sendBatch: async () => [],
    disconnect: async () => {},
  };
  return p;
}

function processorOn(producer: BusProducer) {
  const metrics = createMetrics(new Registry());
  const lines: string[] = [];
  const logger = createLogger('test', 'warn', new Writable({ write: (c: Buffer, _e, cb) => { lines.push(c.toString()); cb(); } }));
  const processor = createProcessor({
    rules: [], contexts: {} as RuleContexts, outcomes: new CoalescingPublisher(producer, 'outcomes'),
    deadLetters: new DeadLetters(producer, 'dead-letters'), metrics, logger, retryPolicy: fastRetryPolicy,
  });
  return { processor, metrics, lines };
}

const undecodable = { topic: 'changes', partition: 0, offset: '7', key: Buffer.from('b/k'), value: Buffer.from([0xff]), headers: {}, timestamp: 1 };

test('a dead letter refused twice by an unreachable broker is sent again until acknowledged; the handler then returns', async () => {
  const producer = flakyProducer(2);
  const { processor, metrics, lines } = processorOn(producer);
  await processor.handle(undecodable);
  assert.equal(producer.attempts, 3);
  assert.deepEqual(producer.sent.map((s) => [s.topic, s.records.length]), [['dead-letters', 1]]);
  assert.equal(await metricSum(metrics.deadLetters), 1, 'counted once, when acknowledged');
  assert.equal(lines.filter((l) => l.includes('dead letter not acknowledged by Kafka; retrying')).length, 2);
});

test('an abort ends the wait for an unreachable broker: the handler rejects and nothing is counted', async () => {
  const producer = flakyProducer(Number.POSITIVE_INFINITY);
  const { processor, metrics } = processorOn(producer);
  const ac = new AbortController();
  const handled = processor.handle(undecodable, ac.signal);
  setTimeout(() => ac.abort(new CrrError('partition revoked', { code: 'CRR_PARTITION_REVOKED', retriable: true })), 300);
  await assert.rejects(handled, /partition revoked/);
  assert.ok(producer.attempts >= 2, `tried ${producer.attempts} times before the abort`);
  assert.equal(producer.sent.length, 0);
  assert.equal(await metricSum(metrics.deadLetters), 0);
});
