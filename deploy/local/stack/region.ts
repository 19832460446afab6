// One local OSS region (deploy/local/oss) of a stack: in this process, or as a child process so that its
// CPU and memory are measured apart from the pipeline's (the benchmarks). Both give the same handle.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOssClient, type OssClient } from '../../../core/adapters/oss/client.ts';
import { createObjectStore } from '../../../core/adapters/oss/object-store.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import type { CredentialInput } from '../oss/auth/credentials.ts';
import { startOssServer, type FaultConfig, type OssServerOptions, type WebhookTarget } from '../oss/server.ts';
import { projectRoot } from '../project-root.ts';
import type { Principal } from './principals.ts';

/** The regions a local stack runs, by their endpoint name in the config. */
export const LOCAL_REGIONS = { hangzhou: 'oss-cn-hangzhou', shanghai: 'oss-cn-shanghai' } as const;
export type RegionName = keyof typeof LOCAL_REGIONS;

export type RegionMode = 'in-process' | 'child';

export interface RegionOptions {
  /** The endpoint's name in the config, e.g. hangzhou. */
  name: string;
  region: string;
  dataDir: string;
  credentials: Principal[];
  mode?: RegionMode;
  /** A fixed port (the demo's); by default the OS picks one. */
  port?: number;
  webhooks?: WebhookTarget[];
  eventLogFile?: string;
  faults?: FaultConfig;
  /** The server's own options, passed through as they are (listen host, virtual-hosted names, path style, TLS). */
  server?: Pick<OssServerOptions, 'host' | 'accountId' | 'hostNames' | 'forbidPathStyle' | 'tls'>;
  /** Child mode only: the server writes V8 CPU profiles into this folder. */
  cpuProfileDir?: string;
  /** How the region's clients and stores name buckets (virtual-hosted by default). */
  addressing?: 'virtual-hosted' | 'path';
  /** With server.tls: the CA its clients and stores trust. */
  ca?: string | Buffer;
}

export interface LocalRegion {
  name: string;
  region: string;
  endpoint: string;
  port: number;
  /** How its clients and stores name buckets. */
  addressing: 'virtual-hosted' | 'path';
  /** The endpoint an ali-oss client is given (see startRegion: an IP when virtual-hosted). */
  clientEndpoint: string;
  /**
   * The endpoint the stack's config names: the server's own, or with TLS https://127.0.0.1:<port>, so that
   * virtual-hosted Hosts are <bucket>.<region>.aliyuncs.com, which a certificate's wildcard covers as on
   * real OSS (Node matches no wildcard over the single label of `*.localhost`).
   */
  configEndpoint: string;
  /** Adds or replaces keys the server accepts (STS credentials with their token and expiration). */
  putCredentials(creds: CredentialInput[]): Promise<void>;
  /** The server's process: this one when in-process. */
  pid: number;
  /** Replaces the faults in force (through the admin endpoint when the server is a child). */
  setFaults(faults: FaultConfig): Promise<void>;
  /** An ali-oss client signing as `as` (the independent client tests and benchmarks write with). */
  client(as: Principal, o?: { bucket?: string; timeoutMs?: number }): OssClient;
  /** The ObjectStore port signing as `as`. */
  store(as: Principal, o?: { timeoutMs?: number }): ObjectStore;
  createBucket(as: Principal, bucket: string, versioned?: boolean): Promise<void>;
  stop(): Promise<void>;
}

type Server = Pick<LocalRegion, 'endpoint' | 'port' | 'pid' | 'setFaults' | 'putCredentials' | 'stop'>;

export async function startRegion(o: RegionOptions): Promise<LocalRegion> {
  const server = o.mode === 'child' ? await startChild(o) : await startInProcess(o);
  const addressing = o.addressing ?? 'virtual-hosted';
  // ali-oss connects to the host it puts the bucket in, and `<bucket>.localhost` has no DNS. On an IP endpoint
  // it connects to the IP and sends `Host: <bucket>.<region>.aliyuncs.com`, a name the server serves as (its
  // default host names): the same virtual-hosted request, reachable without DNS. Our stores need no such turn.
  const clientEndpoint = addressing === 'virtual-hosted' ? server.endpoint.replace('//localhost:', '//127.0.0.1:') : server.endpoint;
  const configEndpoint = o.server?.tls ? clientEndpoint : server.endpoint;
  return {
    ...server,
    name: o.name,
    region: o.region,
    addressing,
    clientEndpoint,
    configEndpoint,
    client: (as, c = {}) => createOssClient({ endpoint: clientEndpoint, region: o.region, accessKeyId: as.accessKeyId,
      accessKeySecret: as.accessKeySecret, bucket: c.bucket, timeoutMs: c.timeoutMs, addressing, ca: o.ca }),
    store: (as, c = {}) => createObjectStore({ endpoint: configEndpoint, region: o.region, accessKeyId: as.accessKeyId,
      accessKeySecret: as.accessKeySecret, timeoutMs: c.timeoutMs, addressing, ca: o.ca }),
    async createBucket(as, bucket, versioned = false) {
      const client = createOssClient({ endpoint: clientEndpoint, region: o.region, accessKeyId: as.accessKeyId, accessKeySecret: as.accessKeySecret,
        addressing, ca: o.ca });
      await client.putBucket(bucket);
      if (versioned) await client.putBucketVersioning(bucket, 'Enabled');
    },
  };
}

async function startInProcess(o: RegionOptions): Promise<Server> {
  const server = await startOssServer({ region: o.region, port: o.port, dataDir: o.dataDir, credentials: o.credentials, webhooks: o.webhooks,
    eventLogFile: o.eventLogFile, faults: o.faults, ...o.server });
  return {
    endpoint: server.endpoint,
    port: server.port,
    pid: process.pid,
    setFaults: async (faults) => server.setFaults(faults),
    // Through the admin endpoint, as a test tells a child server; plain fetch trusts no test CA, so a TLS
    // server in this process is told directly.
    putCredentials: async (creds) => {
      if (!o.server?.tls) return adminPutCredentials(server.endpoint, o.credentials[0].accessKeySecret, o.region, creds);
      for (const c of creds) server.putCredential(c);
    },
    stop: () => server.stop(),
  };
}

function startChild(o: RegionOptions): Promise<Server> {
  // node refuses --cpu-prof in NODE_OPTIONS, so a profile is asked for on the command line.
  const prof = o.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfileDir] : [];
  const args = [...prof, '--import', 'tsx', join(projectRoot, 'deploy/local/oss/cli.ts'), '--region', o.region, '--port', String(o.port ?? 0), '--data', o.dataDir];
  for (const c of o.credentials) args.push('--key', `${c.accessKeyId}:${c.accessKeySecret}:${c.principalId}`);
  for (const w of o.webhooks ?? []) args.push('--webhook', w.token ? `${w.url}#${w.token}` : w.url);
  if (o.eventLogFile) args.push('--event-log', o.eventLogFile);
  if (o.faults) args.push('--faults', JSON.stringify(o.faults));
  if (o.server?.host) args.push('--host', o.server.host);
  if (o.server?.accountId) args.push('--account-id', o.server.accountId);
  for (const name of o.server?.hostNames ?? []) args.push('--host-name', name);
  if (o.server?.forbidPathStyle) args.push('--forbid-path-style');
  if (o.server?.tls) {
    // The CLI reads PEM files; they live beside the region's data.
    mkdirSync(o.dataDir, { recursive: true });
    const cert = join(o.dataDir, 'tls-cert.pem');
    const key = join(o.dataDir, 'tls-key.pem');
    writeFileSync(cert, o.server.tls.cert);
    writeFileSync(key, o.server.tls.key, { mode: 0o600 });
    args.push('--tls-cert', cert, '--tls-key', key);
  }
  const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const admin = o.credentials[0].accessKeySecret;
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`OSS server ${o.region} exited (${code}) before listening`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (!m) return;
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      // The server's own localhost endpoint (it answers on 127.0.0.1 and ::1), not an IP: on an IP endpoint
      // ali-oss sends Host <bucket>.<region>.aliyuncs.com with a path-style URL, which the server, like OSS,
      // reads as virtual-hosted.
      const endpoint = m[1];
      resolve({
        endpoint,
        port: Number(new URL(endpoint).port),
        pid: child.pid!,
        async setFaults(faults) {
          const res = await fetch(`${endpoint}/-/admin/faults`, { method: 'PUT', headers: { authorization: `Bearer ${admin}` }, body: JSON.stringify(faults) });
          if (!res.ok) throw new Error(`OSS server ${o.region} refused the faults: HTTP ${res.status}`);
        },
        putCredentials: (creds) => adminPutCredentials(endpoint, admin, o.region, creds),
        stop: () => new Promise<void>((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          child.once('exit', () => r());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
      });
    });
  });
}

async function adminPutCredentials(endpoint: string, admin: string, region: string, creds: CredentialInput[]): Promise<void> {
  const res = await fetch(`${endpoint}/-/admin/credentials`, { method: 'PUT', headers: { authorization: `Bearer ${admin}` }, body: JSON.stringify(creds) });
  if (!res.ok) throw new Error(`OSS server ${region} refused the credentials: HTTP ${res.status}`);
}
