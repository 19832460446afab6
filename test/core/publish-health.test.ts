// Capture's readiness: ready until Kafka fails a publish, unready (with the error) until a send is acknowledged again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BusProducer } from '../../core/ports/bus.ts';
import { watchPublishing } from '../../core/publish-health.ts';

test('a failed publish makes capture unready until the next acknowledged one', async () => {
  let down = false;
  const send = async () => {
    if (down) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    return [];
  };
  const inner: BusProducer = { send, sendBatch: send, disconnect: async () => {} };
  let clock = 1000;
  const watched = watchPublishing(inner, () => clock);
  assert.deepEqual(watched.readiness(), { ready: true, reasons: [] });
  down = true;
  await assert.rejects(watched.producer.send('t', [{ key: 'k', value: null }]), /ECONNREFUSED/);
  clock += 3000;
  assert.deepEqual(watched.readiness(), { ready: false, reasons: ['cannot publish: Kafka did not acknowledge the last send 3 s ago: Connection error: connect ECONNREFUSED 127.0.0.1:9092'] });
  down = false;
  await watched.producer.sendBatch([{ topic: 't', records: [{ key: 'k', value: null }] }]);
  assert.equal(watched.readiness().ready, true);
});
