// Two local OSS servers (two regions) run as child processes, so their CPU and memory stay apart from the
// benchmark's and the processor's. Data lives under a temp dir that stop() removes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOssClient, type OssClient } from '../../core/adapters/oss/client.ts';
import { projectRoot } from '../../deploy/local/project-root.ts';
import type { FaultConfig } from '../../deploy/local/oss/server.ts';

export interface BenchCredential { accessKeyId: string; accessKeySecret: string }

export interface ChildOssServer { endpoint: string; region: string; pid: number; stop(): Promise<void> }

export interface OssPair {
  source: ChildOssServer;
  destination: ChildOssServer;
  /** One key the benchmark writes with, one the replicator uses (its writes are echoes to capture). */
  user: BenchCredential;
  replicator: BenchCredential & { principalId: string };
  client(side: 'source' | 'destination', bucket?: string): OssClient;
  stop(): Promise<void>;
}

function startChild(region: string, dataDir: string, keys: string[], webhook: string | undefined, faults: FaultConfig | undefined): Promise<ChildOssServer> {
  // BENCH_PROFILE_DIR: the servers write V8 CPU profiles there (node refuses --cpu-prof in NODE_OPTIONS).
  const prof = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : [];
  const args = [...prof, '--import', 'tsx', join(projectRoot, 'deploy/local/oss/cli.ts'), '--region', region, '--port', '0', '--data', dataDir];
  for (const k of keys) args.push('--key', k);
  if (webhook) args.push('--webhook', webhook);
  if (faults) args.push('--faults', JSON.stringify(faults));
  const child: ChildProcess = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`OSS server ${region} exited (${code}) before listening`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      // 127.0.0.1 rather than localhost: no name lookup per connection, and never ::1 first.
      const endpoint = m[1].replace('localhost', '127.0.0.1');
      resolve({
        endpoint, region, pid: child.pid!,
        stop: () => new Promise<void>((r) => {
          if (child.exitCode !== null) return r();
          child.once('exit', () => r());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
      });
    });
  });
}

export interface OssPairOptions {
  /** Where the source server POSTs its events (the capture receiver), with its bearer token. */
  webhook?: { url: string; token: string };
  faults?: FaultConfig;
}

export async function startOssPair(opts: OssPairOptions = {}): Promise<OssPair> {
  const root = mkdtempSync(join(tmpdir(), 'crr-bench-'));
  const user = { accessKeyId: 'bench-user', accessKeySecret: randomBytes(16).toString('hex') };
  const replicator = { accessKeyId: 'crr-replicator', accessKeySecret: randomBytes(16).toString('hex'), principalId: 'crr-replicator' };
  const keys = [`${user.accessKeyId}:${user.accessKeySecret}:bench-user`, `${replicator.accessKeyId}:${replicator.accessKeySecret}:${replicator.principalId}`];
  const hook = opts.webhook ? `${opts.webhook.url}#${opts.webhook.token}` : undefined;
  const [source, destination] = await Promise.all([
    startChild('oss-cn-hangzhou', join(root, 'hangzhou'), keys, hook, opts.faults),
    startChild('oss-cn-shanghai', join(root, 'shanghai'), keys, undefined, opts.faults),
  ]);
  return {
    source, destination, user, replicator,
    client: (side, bucket) => {
      const s = side === 'source' ? source : destination;
      return createOssClient({ endpoint: s.endpoint, region: s.region, ...user, bucket, timeoutMs: 600_000 });
    },
    async stop() {
      await Promise.all([source.stop(), destination.stop()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
