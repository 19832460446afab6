// Conformance by a second, independent client: Alibaba's official Python SDK (oss2) drives the local OSS
// server through test/conformance/oss2/*.py (pytest). This file starts two servers in-process on free ports
// with fresh data and credentials — one as usual, one that refuses path style as real OSS does — runs
// pytest against them with the endpoints and keys in the environment, and fails with pytest's output.
// oss2 and pytest come from test/conformance/oss2/requirements.txt (.ci/run installs them).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startOssServer, type OssServer } from '../../deploy/local/oss/server.ts';
import { projectRoot as root } from '../../deploy/local/project-root.ts';

const SUITE = 'test/conformance/oss2';
const REQUIREMENTS = `${SUITE}/requirements.txt`;
const PYTHON = process.env.PYTHON ?? 'python3';
const REGION = 'oss-cn-hangzhou';
const hex = (n: number) => randomBytes(n).toString('hex');
const ROOT = { accessKeyId: `LTAI-conf-${hex(3)}`, accessKeySecret: hex(12), principalId: 'conformance' };
const STS = { accessKeyId: `STS.live${hex(4)}`, accessKeySecret: hex(12), securityToken: `CAIS${hex(24)}`, expiration: Date.now() + 3600_000 };
const EXPIRED = { accessKeyId: `STS.old${hex(4)}`, accessKeySecret: hex(12), securityToken: `CAIS${hex(24)}`, expiration: Date.now() - 60_000 };

const dirs: string[] = [];
let open: OssServer;
let strict: OssServer;

async function server(forbidPathStyle: boolean): Promise<OssServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crr-oss-oss2-'));
  dirs.push(dataDir);
  return startOssServer({ region: REGION, dataDir, credentials: [ROOT, STS, EXPIRED], forbidPathStyle });
}

before(async () => {
  open = await server(false);
  strict = await server(true);
});
after(async () => {
  await open?.stop();
  await strict?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('oss2 (Alibaba\'s Python SDK) passes the conformance suite against the local server', { timeout: 300_000 }, async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import oss2, pytest; print(oss2.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    assert.fail(`oss2 or pytest is not importable by ${PYTHON} (${(probe.stderr || String(probe.error ?? '')).trim().split('\n').pop()}); ` +
      `install them with: ${PYTHON} -m pip install -r ${REQUIREMENTS}`);
  }
  // Proxy variables of the machine must not reroute loopback traffic; the suite sets its own proxy where it wants one.
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  Object.assign(env, {
    OSS_TEST_ENDPOINT: open.endpoint, OSS_TEST_STRICT_ENDPOINT: strict.endpoint, OSS_TEST_REGION: REGION,
    OSS_TEST_AK: ROOT.accessKeyId, OSS_TEST_SK: ROOT.accessKeySecret,
    OSS_TEST_STS_AK: STS.accessKeyId, OSS_TEST_STS_SK: STS.accessKeySecret, OSS_TEST_STS_TOKEN: STS.securityToken,
    OSS_TEST_EXPIRED_STS_AK: EXPIRED.accessKeyId, OSS_TEST_EXPIRED_STS_SK: EXPIRED.accessKeySecret, OSS_TEST_EXPIRED_STS_TOKEN: EXPIRED.securityToken,
  });
  const child = spawn(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--color=no', SUITE], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const summary = output.trim().split('\n').pop() ?? '';
  assert.equal(code, 0, `pytest exited with ${code}:\n${output}`);
  assert.match(summary, /\d+ passed/, output);
  assert.doesNotMatch(summary, /failed|error|skipped/, output);
});
