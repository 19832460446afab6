import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../core/config/load.ts';
import { requestEndpoint } from '../../core/adapters/oss/store-factory.ts';
import { projectRoot } from '../../deploy/local/project-root.ts';

test('the shipped example config is valid', (t) => {
  const env = { CRR_SG_ACCESS_KEY_ID: 'a', CRR_SG_ACCESS_KEY_SECRET: 'b', CRR_SG_SECURITY_TOKEN: 'c', CRR_RECEIVER_TOKEN: 't', CRR_KAFKA_PASSWORD: 'p' };
  // The STS file it names is read at start: here, one with the shape a rotator writes.
  const dir = mkdtempSync(join(tmpdir(), 'crr-example-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const raw = parse(readFileSync(join(projectRoot, 'deploy/examples/crr.yaml'), 'utf8'));
  assert.equal(raw.endpoints.hangzhou.stsFile, '/var/run/crr/oss-sts.json');
  raw.endpoints.hangzhou.stsFile = join(dir, 'sts.json');
  writeFileSync(raw.endpoints.hangzhou.stsFile, JSON.stringify({ AccessKeyId: 'STS.x', AccessKeySecret: 's', SecurityToken: 't', Expiration: '2026-12-01T12:00:00Z' }));
  const cfg = parseConfig(raw, env);
  assert.deepEqual(cfg.rules.map((r) => [r.id, r.action, r.twoWay]), [
    ['logs-hz-to-sh', 'PUT', false], ['media-hz-to-sh', 'ALL', true], ['media-sh-to-hz', 'ALL', true], ['backups-hz-to-sg', 'ALL', false],
  ]);
  assert.deepEqual(Object.values(cfg.endpoints).map((e) => [e.addressing, e.endpoint.startsWith('https://')]), [['virtual-hosted', true], ['virtual-hosted', true], ['virtual-hosted', true]]);
  assert.deepEqual(['hangzhou', 'shanghai', 'singapore'].map((n) => cfg.credentialSource(n).kind), ['sts-file', 'ecs-ram-role', 'env']);
  assert.equal(requestEndpoint(cfg.endpoint('singapore')), 'https://oss-accelerate-overseas.aliyuncs.com');
  assert.equal(cfg.kafka.sasl?.mechanism, 'scram-sha-512');
  assert.deepEqual(cfg.rules.map((r) => [r.replicateSseKms, r.replicaKmsKeyId]), [[true, 'replica-key-1'], [false, undefined], [false, undefined], [false, undefined]]);
  // Without the acceleration the cross-border rule is refused.
  raw.endpoints.singapore.accelerate = false;
  assert.throws(() => parseConfig(raw, env), /rule "backups-hz-to-sg" replicates between cn-hangzhou .* and ap-southeast-1/);
  assert.deepEqual(cfg.rules[0].destination.encryption, { type: 'KMS', keyId: 'replica-key-1' });
  assert.deepEqual([cfg.topics.replicationFactor, cfg.topics.minInsyncReplicas], [1, 1]);
});
