// Encryption as OSS replicates it (issue 12 items 5 and 6), on the local stack: SSE-OSS AES256 and SM4 keep
// their algorithm; an SSE-KMS object is replicated under the rule's replica key when the rule says
// replicateSseKms, and is skipped, counted and reported SKIPPED_KMS under a rule that does not; an algorithm
// change on the source reaches the replica. Each replica's marker records what OSS sets on the replica itself
// (Last-Modified, owner): here source and destination belong to two accounts, and `crr verify --origins`
// shows both, as text and as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { markerOf } from '../../../processors/reconcile/marker.ts';
import { decode } from '../../../schemas/codec.ts';
import { readUntil } from '../../helpers/kafka.ts';
import { metricSum, projectRoot, startStack, waitFor } from '../../helpers/pipeline.ts';

const SSE = 'x-oss-server-side-encryption';
const KEY_ID = 'x-oss-server-side-encryption-key-id';
const DATA = 'x-oss-server-side-data-encryption';
const SOURCE_ACCOUNT = '1111111111111111';
const DESTINATION_ACCOUNT = '2222222222222222';

async function body(store: ObjectStore, bucket: string, key: string): Promise<string> {
  const got = await store.getObject(bucket, key);
  const chunks: Buffer[] = [];
  for await (const c of got.stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

function crr(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin/crr.js'), ...args], { cwd: projectRoot, env: { ...env, CRR_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

test('SSE-OSS keeps its algorithm, SSE-KMS follows the rule (replica key, or skipped and counted), and replicas record the origin\'s time and owner', { timeout: 180_000 }, async () => {
  const stack = await startStack({
    rules: [
      { id: 'kms', source: 'src-kms', destination: 'dst-kms', replicateSseKms: true, replicaKmsKeyId: 'replica-key' },
      { id: 'nokms', source: 'src-nokms', destination: 'dst-nokms' },
      { id: 'vnokms', source: 'src-v', destination: 'dst-v', versioned: true },
    ],
    partitions: 2,
    oss: { accounts: { hangzhou: SOURCE_ACCOUNT, shanghai: DESTINATION_ACCOUNT } },
  });
  try {
    const processing = await stack.startProcessing();
    const [srcKms, dstKms, srcNo, dstNo] = ['src-kms', 'dst-kms', 'src-nokms', 'dst-nokms'].map((b) => stack.bucket(b));
    const put = (bucket: string, key: string, headers: Record<string, string>) =>
      stack.writer.hz.putObject(bucket, key, Buffer.from(`body of ${key}`), { headers, contentLength: `body of ${key}`.length });
    const writes: Record<string, Record<string, string>> = {
      'kms.bin': { [SSE]: 'KMS', [KEY_ID]: 'source-key' },
      'kms-sm4.bin': { [SSE]: 'KMS', [KEY_ID]: 'source-key', [DATA]: 'SM4' },
      'aes.bin': { [SSE]: 'AES256' },
      'sm4.bin': { [SSE]: 'SM4' },
      'plain.bin': {},
    };
    for (const [key, headers] of Object.entries(writes)) await put(srcKms, key, headers);
    // Above the 2 MiB multipart threshold: InitiateMultipartUpload states the replica's encryption.
    const big = randomBytes(3 * 1024 * 1024);
    await stack.writer.hz.putObject(srcKms, 'big-kms.bin', big, { headers: writes['kms.bin'], contentLength: big.length });
    await put(srcNo, 'kms.bin', writes['kms.bin']);
    await put(srcNo, 'aes.bin', writes['aes.bin']);
    // A versioned chain plain → SSE-KMS → AES256 under a rule without replicateSseKms: the KMS version is left out.
    const [srcV, dstV] = [stack.bucket('src-v'), stack.bucket('dst-v')];
    const v1 = await put(srcV, 'chain.bin', {});
    const v2 = await put(srcV, 'chain.bin', writes['kms.bin']);
    const v3 = await put(srcV, 'chain.bin', writes['aes.bin']);

    const skippedKms = () => metricSum(stack.metrics.reconciles, (l) => l.rule === 'nokms' && l.result === 'skipped_kms');
    await waitFor('the SSE-KMS object of rule nokms to be skipped', async () => (await skippedKms()) >= 1, 60_000);
    await stack.waitConverged(['kms', 'nokms', 'vnokms'], 60_000);

    const head = async (store: ObjectStore, bucket: string, key: string) => {
      const h = await store.headObject(bucket, key);
      assert.ok(h, `${bucket}/${key} exists`);
      return h;
    };
    // Rule kms: SSE-KMS under the replica key (SM4 data encryption kept), SSE-OSS algorithms kept, plain left to the bucket.
    const replicas = Object.fromEntries(await Promise.all(Object.keys(writes).map(async (k) => [k, await head(stack.writer.sh, dstKms, k)] as const)));
    assert.deepEqual(replicas['kms.bin'].encryption, { algorithm: 'KMS', keyId: 'replica-key' });
    assert.deepEqual(replicas['kms-sm4.bin'].encryption, { algorithm: 'KMS', keyId: 'replica-key', dataEncryption: 'SM4' });
    assert.deepEqual(replicas['aes.bin'].encryption, { algorithm: 'AES256' });
    assert.deepEqual(replicas['sm4.bin'].encryption, { algorithm: 'SM4' });
    assert.equal(replicas['plain.bin'].encryption, undefined);
    for (const key of Object.keys(writes)) assert.equal(await body(stack.writer.sh, dstKms, key), `body of ${key}`, `${key}: same bytes`);
    const bigReplica = await head(stack.writer.sh, dstKms, 'big-kms.bin');
    assert.deepEqual([bigReplica.encryption, bigReplica.objectType, bigReplica.crc64], [{ algorithm: 'KMS', keyId: 'replica-key' }, 'Multipart',
      (await head(stack.writer.hz, srcKms, 'big-kms.bin')).crc64]);

    // Rule nokms: the SSE-KMS object is not replicated (neither decrypted nor re-encrypted); the AES256 one is.
    assert.equal(await stack.writer.sh.headObject(dstNo, 'kms.bin'), null, 'the SSE-KMS object was not replicated');
    assert.deepEqual((await head(stack.writer.sh, dstNo, 'aes.bin')).encryption, { algorithm: 'AES256' });
    const kmsSkips = (ms: { value: Buffer | null }[]) => ms.map((m) => decode('ReplicationOutcome', m.value!)).filter((o) => o.result === 'SKIPPED_KMS');
    const messages = await readUntil(stack.kafka, stack.config.topicNames.outcomes, (ms) => kmsSkips(ms).length >= 2, 30_000);
    assert.deepEqual(kmsSkips(messages).map((o) => [o.ruleId, o.key, o.action, o.bytes, o.errorCode, o.sourceVersionId]).sort(),
      [['nokms', 'kms.bin', 'NONE', 0, 'SSE_KMS_NOT_REPLICATED', null], ['vnokms', 'chain.bin', 'NONE', 0, 'SSE_KMS_NOT_REPLICATED', v2.versionId]]);
    // The destination chain holds copies of v1 and v3 only, oldest first, v3's replica AES256.
    const chain = (await stack.writer.sh.listKeyVersions(dstV, 'chain.bin')).reverse();
    const replicaOf = await Promise.all(chain.map(async (v) => markerOf((await stack.writer.sh.headObject(dstV, 'chain.bin', v.versionId))!)?.originVersionId));
    assert.deepEqual(replicaOf, [v1.versionId, v3.versionId], `not ${v2.versionId}`);
    assert.deepEqual((await head(stack.writer.sh, dstV, 'chain.bin')).encryption, { algorithm: 'AES256' });

    // What OSS sets on the replica itself differs (its own time and owner); the marker keeps the origin's.
    const source = await head(stack.writer.hz, srcKms, 'aes.bin');
    assert.equal(source.owner, SOURCE_ACCOUNT);
    assert.equal(replicas['aes.bin'].owner, DESTINATION_ACCOUNT);
    const marker = markerOf(replicas['aes.bin']);
    assert.deepEqual([marker?.originBucket, marker?.originTime, marker?.originOwner], [srcKms, source.lastModified, SOURCE_ACCOUNT]);

    // An algorithm change on the source (CopyObject onto itself, AES256 → SM4) reaches the replica.
    await stack.writer.hz.replaceMetadata(srcKms, 'aes.bin', { [SSE]: 'SM4' });
    await waitFor('the replica of aes.bin to be SM4', async () => (await head(stack.writer.sh, dstKms, 'aes.bin')).encryption?.algorithm === 'SM4', 60_000);
    assert.equal(await body(stack.writer.sh, dstKms, 'aes.bin'), 'body of aes.bin');

    // crr verify: in sync (the skipped object is counted, not a difference), with each replica's origin shown.
    const env = { ...process.env, ...stack.env };
    const json = await crr(['verify', '--config', stack.configFile, '--rule', 'nokms', '--origins', '--json'], env);
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out.trim());
    assert.equal(report.skippedKms, 1);
    assert.deepEqual(report.differences, []);
    assert.deepEqual(report.origins.map((o: Record<string, unknown>) => [o.key, o.originBucket, o.originOwner, o.replicaOwner]),
      [['aes.bin', srcNo, SOURCE_ACCOUNT, DESTINATION_ACCOUNT]]);
    const noSource = await head(stack.writer.hz, srcNo, 'aes.bin');
    assert.equal(report.origins[0].originLastModified, new Date(noSource.lastModified).toISOString());
    const text = await crr(['verify', '--config', stack.configFile, '--rule', 'nokms', '--origins'], env);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /1 not replicated \(SSE-KMS; the rule does not set replicateSseKms\)/);
    assert.match(text.out, new RegExp(`aes\\.bin: origin ${srcNo} last modified \\S+Z by owner ${SOURCE_ACCOUNT}; replica last modified \\S+Z by owner ${DESTINATION_ACCOUNT}`));
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
