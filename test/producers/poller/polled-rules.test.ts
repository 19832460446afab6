// Which rules capture.poller.rules selects: exact ids, and patterns where * stands for any characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleConfig } from '../../../core/config/schema.ts';
import { polledRules } from '../../../producers/poller/polled-rules.ts';

const rules = ['orders', 'tenant-a.logs', 'tenant-a-logs', 'tenant-b-logs'].map((id) => ({ id }) as RuleConfig);
const ids = (entries: string[]) => polledRules(entries, rules).map((r) => r.id);

test('ids select themselves, * every rule, a pattern the ids it matches (a dot is only a dot)', () => {
  assert.deepEqual(ids(['orders']), ['orders']);
  assert.deepEqual(ids(['*']), ['orders', 'tenant-a.logs', 'tenant-a-logs', 'tenant-b-logs']);
  assert.deepEqual(ids(['tenant-a-*']), ['tenant-a-logs']);
  assert.deepEqual(ids(['tenant-a.*']), ['tenant-a.logs']);
  assert.deepEqual(ids(['*-logs', 'orders']), ['orders', 'tenant-a-logs', 'tenant-b-logs']);
  assert.deepEqual(ids(['order']), [], 'an id is matched whole');
});
