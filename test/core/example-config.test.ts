import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/load.ts';
import { projectRoot } from '../../deploy/local/project-root.ts';

test('the shipped example config is valid', () => {
  const env = { CRR_HZ_ACCESS_KEY_ID: 'a', CRR_HZ_ACCESS_KEY_SECRET: 'b', CRR_SH_ACCESS_KEY_ID: 'c', CRR_SH_ACCESS_KEY_SECRET: 'd', CRR_RECEIVER_TOKEN: 't' };
  const cfg = loadConfig(join(projectRoot, 'deploy/examples/crr.yaml'), env);
  assert.deepEqual(cfg.rules.map((r) => [r.id, r.action, r.twoWay]), [
    ['logs-hz-to-sh', 'PUT', false], ['media-hz-to-sh', 'ALL', true], ['media-sh-to-hz', 'ALL', true],
  ]);
  assert.deepEqual(cfg.rules[0].destination.encryption, { type: 'KMS', keyId: 'replica-key-1' });
  assert.deepEqual([cfg.topics.replicationFactor, cfg.topics.minInsyncReplicas], [1, 1]);
});
