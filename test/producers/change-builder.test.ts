import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildChanges } from '../../producers/change-builder.ts';
import { RuleIndex } from '../../core/rule-index.ts';
import type { CapturedEvent } from '../../producers/notification/parse-event.ts';

const rules = new RuleIndex([
  { id: 'all', source: { bucket: 'src' }, prefixes: [] },
  { id: 'logs', source: { bucket: 'src' }, prefixes: ['logs/'] },
  { id: 'other', source: { bucket: 'other' }, prefixes: ['x/'] },
]);

const event = (bucket: string, key: string, requester: string | null = 'alice'): CapturedEvent => ({
  eventId: `${bucket}/${key}`, eventName: 'ObjectCreated:PutObject', operation: 'PUT', bucket, region: 'cn-hangzhou', key,
  versionId: null, etag: 'E', size: 3, eventTime: 1000, requester,
});

test('changes carry every rule they match; echoes and unmatched keys are counted, not published', () => {
  const built = buildChanges(
    [event('src', 'logs/1'), event('src', 'data/2'), event('other', 'y/3'), event('src', 'logs/4', 'crr-replicator')],
    rules, { replicatorPrincipals: new Set(['crr-replicator']), captureSource: 'NOTIFICATION', now: 2000 },
  );
  assert.deepEqual(built.changes.map((c) => [c.key, c.ruleIds]), [['logs/1', ['all', 'logs']], ['data/2', ['all']]]);
  assert.equal(built.unmatched, 1);
  assert.deepEqual(built.echoes, [['all', 'logs']]);
  assert.equal(built.changes[0].captureTime, 2000);
  assert.equal(built.changes[0].eventTime, 1000);
  assert.equal(built.changes[0].captureSource, 'NOTIFICATION');
  assert.ok(rules.knowsBucket('other'));
  assert.ok(!rules.knowsBucket('nope'));
});
