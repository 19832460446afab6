// STS credentials that rotate mid-run, as a RAM role's do: both endpoints sign with the STS triple in a JSON
// file (stsFile). While objects are written and replicated, the servers are told a new token through their
// admin endpoint, the file is rewritten, and the old token is expired on the servers: nothing is
// dead-lettered, every object arrives, and requests after the rotation can only have passed with the new token.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { metricSum, startStack } from '../../helpers/pipeline.ts';

interface Sts { accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: number }

test('STS credentials rotated mid-run (servers told, file rewritten, old token expired): nothing fails', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-sts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'sts.json');
  const issue = (n: number): Sts => ({ accessKeyId: `STS.rot${n}${randomBytes(4).toString('hex')}`, accessKeySecret: randomBytes(16).toString('hex'),
    securityToken: `CAIS${randomBytes(32).toString('base64')}`, expiration: Date.now() + 3600_000 });
  // As a rotator writes it: a whole new file moved into place.
  const writeFile = (c: Sts) => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ AccessKeyId: c.accessKeyId, AccessKeySecret: c.accessKeySecret, SecurityToken: c.securityToken,
      Expiration: new Date(c.expiration).toISOString() }));
    renameSync(`${file}.tmp`, file);
  };
  const tokens = [issue(1)];
  writeFile(tokens[0]);
  const stack = await startStack({ rules: [{ id: 'sts', source: 'sts-src', destination: 'sts-dst' }],
    oss: { endpointCredentials: { hangzhou: { stsFile: file }, shanghai: { stsFile: file } } } });
  try {
    assert.equal(stack.config.endpoint('hangzhou').accessKeyIdEnv, undefined, 'no long-term key in the config');
    const principalId = stack.principals.replicator.principalId;
    const tell = (creds: (Sts & { principalId: string })[]) => Promise.all([stack.hz, stack.sh].map((r) => r.putCredentials(creds)));
    await tell([{ ...tokens[0], principalId }]);
    const processing = await stack.startProcessing();
    const [src, dst] = [stack.bucket('sts-src'), stack.bucket('sts-dst')];
    const bodies = new Map<string, Buffer>();
    const write = async (wave: number) => {
      for (let i = 0; i < 40; i += 10) {
        await Promise.all(Array.from({ length: 10 }, async (_, j) => {
          const key = `w${wave}/${i + j}.bin`;
          const body = randomBytes(200 + 37 * (i + j));
          bodies.set(key, body);
          await stack.writer.hz.putObject(src, key, body, { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: body.length });
        }));
      }
    };
    await write(0);
    for (const wave of [1, 2]) {
      // Rotate while the wave's objects are being replicated.
      const writing = write(wave);
      const next = issue(wave + 1);
      await tell([{ ...next, principalId }]);
      writeFile(next);
      const old = tokens[tokens.length - 1];
      await tell([{ ...old, principalId, expiration: Date.now() - 1000 }]);
      tokens.push(next);
      await writing;
    }
    await stack.waitConverged(['sts'], 120_000);
    for (const [key, body] of bodies) {
      const chunks: Buffer[] = [];
      for await (const c of (await stack.writer.sh.getObject(dst, key)).stream) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(body), key);
    }
    assert.equal(await metricSum(stack.metrics.deadLetters), 0, 'nothing dead-lettered');
    // Every earlier token is expired on both servers now: a HEAD through the pipeline's store passes only with the last one.
    const head = await stack.storeFor('shanghai', 'sts').headObject(dst, 'w2/39.bin');
    assert.equal(head?.size, bodies.get('w2/39.bin')!.length);
    const refused = await metricSum(stack.metrics.ossRequests, (l) => l.rule === 'sts' && l.result === 'error');
    t.diagnostic(`${bodies.size} objects across 2 rotations; requests refused for an expired token and retried: ${refused}`);
    await processing.stop();
  } finally {
    await stack.stop();
  }
});
