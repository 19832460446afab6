// Benchmark: events per second from HTTP in (batched EventBridge posts to the notification receiver)
// to Kafka acknowledged, beside the ceiling measured in the same run: the same encoded ObjectChange
// records produced straight through the idempotent zstd producer. Prints one JSON object.
//   node --import tsx bench/capture.ts [--events 200000] [--batch 500] [--clients 8]
// Uses KAFKA_BROKERS when set, else starts the local broker on port 19092.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createKafka } from '../core/adapters/kafka/client.ts';
import { createProducer } from '../core/adapters/kafka/producer.ts';
import { ensureTopics } from '../core/adapters/kafka/topics.ts';
import { CoalescingPublisher } from '../core/coalescing-publisher.ts';
import { createLogger } from '../core/logging.ts';
import { createMetrics } from '../core/metrics/metrics.ts';
import { start as startBroker } from '../deploy/local/kafka/broker.ts';
import { buildChanges } from '../producers/change-builder.ts';
import { parseEventBody } from '../producers/notification/parse-event.ts';
import { startReceiver } from '../producers/notification/receiver.ts';
import { RuleIndex } from '../core/rule-index.ts';
import { changeRecord } from '../schemas/records.ts';

const { values } = parseArgs({ options: {
  events: { type: 'string', default: '200000' }, batch: { type: 'string', default: '500' }, clients: { type: 'string', default: '8' },
} });
const total = Number(values.events);
const batchSize = Number(values.batch);
const clients = Number(values.clients);

const brokers = process.env.KAFKA_BROKERS ?? (await startBroker({ port: 19092 })).brokers;
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-capture' });
const run = randomBytes(4).toString('hex');
const topicCeiling = `bench-ceiling-${run}`;
const topicReceiver = `bench-receiver-${run}`;
await ensureTopics(kafka, [{ topic: topicCeiling, partitions: 12 }, { topic: topicReceiver, partitions: 12 }]);

function event(i: number) {
  const key = `dir-${i % 97}/object-${i}.bin`;
  const time = new Date().toISOString();
  return { id: `ev-${run}-${i}`, source: 'acs.oss', specversion: '1.0', type: 'oss:ObjectCreated:PutObject', time,
    data: { region: 'cn-hangzhou', eventName: 'ObjectCreated:PutObject', eventTime: time, userIdentity: { principalId: 'bench-user' },
      oss: { bucket: { name: 'bench-src' }, object: { key, size: 4096, eTag: 'D41D8CD98F00B204E9800998ECF8427E' } } } };
}
const bodies: Buffer[] = [];
for (let i = 0; i < total; i += batchSize) {
  bodies.push(Buffer.from(JSON.stringify(Array.from({ length: Math.min(batchSize, total - i) }, (_, j) => event(i + j)))));
}
const rules = new RuleIndex([{ id: 'bench', source: { bucket: 'bench-src' }, prefixes: [] }]);

// Ceiling: parse + encode + produce the same records with the same producer settings, same concurrency.
const ceilingProducer = await createProducer(kafka);
const ceilingPublisher = new CoalescingPublisher(ceilingProducer, topicCeiling);
let next = 0;
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: clients }, async () => {
  while (next < bodies.length) {
    const body = bodies[next++];
    const built = buildChanges(parseEventBody(JSON.parse(body.toString())), rules, { replicatorPrincipals: new Set(), captureSource: 'NOTIFICATION', now: Date.now() });
    await ceilingPublisher.publish(built.changes.map(changeRecord));
  }
}));
const ceilingSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
await ceilingProducer.disconnect();

// The receiver: HTTP in, Kafka acknowledged, answered.
const producer = await createProducer(kafka);
const token = randomBytes(16).toString('hex');
const receiver = await startReceiver({
  host: '127.0.0.1', port: 0, path: '/events', token, maxBodyBytes: 64 * 1024 * 1024, rules, replicatorPrincipals: new Set(),
  publisher: new CoalescingPublisher(producer, topicReceiver), metrics: createMetrics(new Registry()), logger: createLogger('bench', 'warn'),
});
function post(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(receiver.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length }, agent: false },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(body);
  });
}
next = 0;
let failures = 0;
const t1 = process.hrtime.bigint();
await Promise.all(Array.from({ length: clients }, async () => {
  while (next < bodies.length) {
    const status = await post(bodies[next++]);
    if (status !== 200) failures++;
  }
}));
const receiverSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
await receiver.stop();
await producer.disconnect();

const receiverRate = total / receiverSeconds;
const ceilingRate = total / ceilingSeconds;
console.log(JSON.stringify({
  benchmark: 'capture-http-to-kafka',
  events: total, batchSize, clients, failures,
  receiver_events_per_sec: Math.round(receiverRate),
  ceiling_events_per_sec: Math.round(ceilingRate),
  ratio_to_ceiling: Number((receiverRate / ceilingRate).toFixed(3)),
  goal: { events_per_sec: 20000, ratio: 0.6 },
}, null, 2));
process.exit(failures ? 1 : 0);
