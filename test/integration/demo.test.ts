// The README's main command: `npm start` (crr demo) replicates its workload between two local OSS
// regions and verifies the destination equals the source. Here on the suite's broker, with a small workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../deploy/local/project-root.ts';
import { testBrokers } from '../helpers/kafka.ts';

test('crr demo replicates its workload and verifies the destination equals the source', { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, [join(projectRoot, 'bin/crr.js'), 'demo', '--objects', '40'], {
    cwd: projectRoot, env: { ...process.env, KAFKA_BROKERS: testBrokers().join(',') }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out.slice(-3000));
  const verified = /compared (\d+) keys[\s\S]*in sync: (\d+); missing in destination: 0; only in destination: 0; differing: 0/.exec(out);
  assert.ok(verified, out.slice(-3000));
  assert.equal(verified[1], verified[2], 'every compared key is in sync');
  assert.ok(Number(verified[1]) >= 30, 'the workload made at least 30 keys');
  assert.match(out, /demo done: the destination equals the source\./);
});
