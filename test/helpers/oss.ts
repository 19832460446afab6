// Test helper: an in-process local OSS server on a free port with a fresh data folder and one key pair,
// plus ali-oss clients for it (V1 or V4 signatures).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createOssClient, type OssClient } from '../../core/adapters/oss/client.ts';
import { startOssServer, type FaultConfig, type OssServer, type OssServerOptions, type WebhookTarget } from '../../deploy/local/oss/server.ts';

/**
 * ali-oss's published typings lag the library (no versionId options, response headers typed `{}`), so tests
 * drive it through this looser view: same methods, arguments and results untyped.
 */
export type LooseOssClient = {
  [K in keyof OssClient]: OssClient[K] extends (...a: any[]) => Promise<any> ? (...args: any[]) => Promise<any> : OssClient[K];
};

/** An entry of an ali-oss listing result (objects, versions, delete markers, buckets). */
export interface Listed { name: string; versionId: string; isLatest: boolean; lastModified: string; etag: string; size: number }

export interface TestOss {
  server: OssServer;
  endpoint: string;
  region: string;
  dataDir: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  client(bucket?: string, sig?: 'v1' | 'v4'): LooseOssClient;
  /** Restarts the server on the same data folder (and port when free), for persistence tests. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestOssOptions {
  region?: string;
  webhooks?: WebhookTarget[];
  faults?: FaultConfig;
  eventLogFile?: string;
  webhookRetry?: OssServerOptions['webhookRetry'];
  /** The server's notice lines (default stderr). */
  log?: (line: string) => void;
  /** Buckets to create up front; `versioned: true` enables versioning on them. */
  buckets?: { name: string; versioned?: boolean }[];
  principalId?: string;
}

/** A bucket name no other test uses. */
export function uniqueBucket(prefix = 'b'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function startTestOss(opts: TestOssOptions = {}): Promise<TestOss> {
  const region = opts.region ?? 'oss-cn-hangzhou';
  const dataDir = await mkdtemp(join(tmpdir(), 'crr-oss-'));
  const credentials = { accessKeyId: 'LTAI-test-key', accessKeySecret: `secret-${randomBytes(8).toString('hex')}` };
  const serverOpts = {
    region, dataDir, webhooks: opts.webhooks, faults: opts.faults, eventLogFile: opts.eventLogFile, webhookRetry: opts.webhookRetry, log: opts.log,
    credentials: [{ ...credentials, principalId: opts.principalId ?? 'test-principal' }],
  };
  let server = await startOssServer(serverOpts);
  const t: TestOss = {
    server,
    endpoint: server.endpoint,
    region,
    dataDir,
    credentials,
    client(bucket?: string, sig: 'v1' | 'v4' = 'v1') {
      return createOssClient({ endpoint: t.endpoint, region, ...credentials, bucket, signatureVersion: sig, timeoutMs: 30_000 }) as unknown as LooseOssClient;
    },
    async restart() {
      await server.stop();
      server = await startOssServer({ ...serverOpts, port: server.port });
      t.server = server;
      t.endpoint = server.endpoint;
    },
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  for (const b of opts.buckets ?? []) {
    const c = t.client();
    await c.putBucket(b.name);
    if (b.versioned) await c.putBucketVersioning(b.name, 'Enabled');
  }
  return t;
}
