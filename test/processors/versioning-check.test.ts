// The rule gate and the live versioning check on a fake probe: a disagreement halts that rule alone (its
// waiting triggers go on once the buckets agree), the gauge hooks see 1 then 0, and the context is rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parseConfig } from '../../core/config/load.ts';
import { createLogger } from '../../core/logging.ts';
import { RuleGate } from '../../processors/rule-gate.ts';
import { startVersioningCheck } from '../../processors/versioning-check.ts';

const config = parseConfig({
  kafka: { brokers: ['127.0.0.1:1'] },
  endpoints: {
    hz: { endpoint: 'http://localhost:1', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'A', accessKeySecretEnv: 'B' },
    sh: { endpoint: 'http://localhost:2', region: 'oss-cn-shanghai', accessKeyIdEnv: 'A', accessKeySecretEnv: 'B' },
  },
  rules: [
    { id: 'r1', source: { endpoint: 'hz', bucket: 'src1' }, destination: { endpoint: 'sh', bucket: 'dst1' } },
    { id: 'r2', source: { endpoint: 'hz', bucket: 'src2' }, destination: { endpoint: 'sh', bucket: 'dst2' } },
  ],
}, { A: 'a', B: 'b' });

test('a versioning mismatch halts its rule alone; when the buckets agree it resumes and its waiting triggers go on', async () => {
  const logs: string[] = [];
  const logger = createLogger('test', 'info', new Writable({ write: (c, _e, cb) => { logs.push(String(c)); cb(); } }));
  const gauge: string[] = [];
  const gate = new RuleGate({ onChange: (rule, reason, halted) => gauge.push(`${rule}:${reason}=${halted ? 1 : 0}`) });
  const state: Record<string, { source: boolean; destination: boolean }> = { r1: { source: false, destination: false }, r2: { source: false, destination: false } };
  const invalidated: string[] = [];
  const check = startVersioningCheck({
    rules: config.rules, gate, intervalMs: 60_000, logger,
    probe: { probe: async (id) => ({ ...state[id]! }), invalidate: (id) => invalidated.push(id) },
  });
  try {
    await check.checkNow();
    assert.ok(gate.isOpen('r1') && gate.isOpen('r2'));

    state.r1 = { source: false, destination: true }; // versioning enabled on r1's destination mid-run
    await check.checkNow();
    assert.deepEqual([gate.isOpen('r1'), gate.isOpen('r2')], [false, true]);
    assert.match(gate.haltsOf('r1')[0]!.message, /source bucket is not versioned but the destination is versioned/);
    assert.ok(logs.some((l) => /"rule":"r1".*the rule is halted/.test(l)), 'the log says why');
    let went = false;
    const waiting = gate.wait('r1').then(() => (went = true));
    await gate.wait('r2'); // the other rule does not wait
    await check.checkNow(); // still disagreeing: still halted, logged once
    assert.equal(went, false);
    assert.equal(logs.filter((l) => /the rule is halted/.test(l)).length, 1);

    state.r1 = { source: true, destination: true };
    await check.checkNow();
    await waiting;
    assert.ok(gate.isOpen('r1'));
    assert.deepEqual(gauge, ['r1:versioning=1', 'r1:versioning=0']);
    assert.ok(invalidated.includes('r1') && !invalidated.includes('r2'), 'r1 reconciles with a context built for its new state');
  } finally {
    check.stop();
  }
});

test('an aborted wait rejects; other reasons keep the rule halted', async () => {
  const gate = new RuleGate();
  gate.halt('r1', 'versioning', 'x');
  gate.halt('r1', 'paused', 'y');
  const ac = new AbortController();
  const aborted = gate.wait('r1', ac.signal);
  ac.abort(new Error('revoked'));
  await assert.rejects(aborted, /revoked/);
  gate.resume('r1', 'versioning');
  assert.equal(gate.isOpen('r1'), false);
  gate.resume('r1', 'paused');
  assert.equal(gate.isOpen('r1'), true);
});
