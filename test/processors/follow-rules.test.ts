// A processor following its live rule set: a paused rule's trigger waits at the gate (no reconcile, no dead
// letter); deleting the rule ends the wait with nothing done, and its backfill tasks are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { CoalescingPublisher } from '../../core/coalescing-publisher.ts';
import { ruleSchema } from '../../core/config/schema.ts';
import { createLogger } from '../../core/logging.ts';
import { createMetrics } from '../../core/metrics/metrics.ts';
import type { BusProducer, InboundMessage, OutgoingRecord } from '../../core/ports/bus.ts';
import { fastRetryPolicy } from '../../core/retry.ts';
import { RuleSetState, rulesOf } from '../../core/rules/live-rules.ts';
import { DeadLetters } from '../../processors/dead-letter.ts';
import { followRules } from '../../processors/follow-rules.ts';
import { createProcessor } from '../../processors/processor.ts';
import type { RuleContexts } from '../../processors/rule-context.ts';
import { RuleGate } from '../../processors/rule-gate.ts';
import { changeRecord, newChange } from '../../schemas/records.ts';
import { metricSum } from '../helpers/pipeline.ts';

test('a paused rule\'s trigger waits; deleting the rule ends it with nothing reconciled or dead-lettered', async () => {
  const sent: OutgoingRecord[] = [];
  const producer: BusProducer = { send: async (_t, records) => { sent.push(...records); return []; }, sendBatch: async () => [], disconnect: async () => {} };
  const metrics = createMetrics(new Registry());
  const logger = createLogger('test', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));
  let reconciles = 0;
  const contexts = { get: async () => { reconciles++; throw new Error('no OSS here'); }, invalidate: () => {} } as unknown as RuleContexts;
  const gate = new RuleGate();
  const live = new RuleSetState();
  const a = ruleSchema.parse({ id: 'a', source: { endpoint: 'hz', bucket: 'src-a' }, destination: { endpoint: 'sh', bucket: 'dst-a' } });
  live.apply('a', { rule: a, state: 'PAUSED', updatedAt: 1 });
  const ruleMap = new Map(rulesOf(live).map((r) => [r.id, r]));
  const processor = createProcessor({ rules: [...ruleMap.values()], contexts, outcomes: new CoalescingPublisher(producer, 'outcomes'),
    deadLetters: new DeadLetters(producer, 'dead-letter'), metrics, logger, retryPolicy: { ...fastRetryPolicy, retries: 0 }, gate });
  followRules({ live, ruleMap, contexts, processor, gate, versioning: { checkNow: async () => {}, stop: () => {} }, logger });
  assert.deepEqual(gate.haltsOf('a').map((h) => h.reason), ['paused']);

  const record = changeRecord(newChange({ eventId: 'e1', ruleIds: [], sourceBucket: 'src-a', region: 'oss-cn-hangzhou', key: 'k', operation: 'PUT',
    eventTime: 1, captureTime: 1, captureSource: 'NOTIFICATION', eventName: 'ObjectCreated:PutObject' }));
  const msg: InboundMessage = { topic: 'changes', partition: 0, offset: '0', key: Buffer.from(String(record.key)), value: record.value as Buffer, headers: {}, timestamp: 1 };
  let settled = false;
  const handled = processor.handle(msg).then(() => { settled = true; });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(settled, false, 'the trigger waits while the rule is paused');
  assert.equal(reconciles, 0);

  live.apply('a', undefined);
  await handled;
  assert.equal(reconciles, 0, 'a deleted rule is not reconciled');
  assert.equal(sent.length, 0, 'nothing dead-lettered, no outcome');
  assert.equal(await metricSum(metrics.reconciles, (l) => l.rule === 'a' && l.result === 'no_rule'), 1);
  assert.equal(gate.isOpen('a'), true);
  // A backfill task of the deleted rule is done with nothing to do (throwing would stop the backfill lane).
  const task = { jobId: 'j', ruleId: 'a', sourceBucket: 'src-a', key: 'k', versionId: null, etag: null, size: null, listedAt: 1, seq: 0 };
  const doneRecord = (end: { result: string; bytes: number }) => ({ topic: 'backfill-done', records: [{ key: 'j', value: Buffer.from(JSON.stringify(end)) }] });
  assert.deepEqual(await processor.reconcileTask(msg, task, undefined, doneRecord), { result: 'SKIPPED', bytes: 0 });
  assert.equal(reconciles, 0);
  assert.deepEqual(sent.map((r) => JSON.parse(String(r.value))), [{ result: 'SKIPPED', bytes: 0 }], 'only its done record, no outcome');
});
