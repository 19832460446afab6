// Benchmark of the local OSS server, run as a child process through its CLI. Prints JSON:
// 4 KiB PUT and GET per second with 32 concurrent ali-oss clients, and the server's peak RSS (VmHWM) while a
// 2 GiB object is uploaded by multipart and read back (target: under 200 MB).
//   node --import tsx bench/oss-server.ts [--seconds 5] [--big-mib 2048] [--part-mib 16]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createOssClient, type OssClient } from '../core/adapters/oss/client.ts';
import { projectRoot as root } from '../deploy/local/project-root.ts';
import { crc64, crc64Combine, crc64Init, crc64StateToString, crc64UpdateState } from '../core/crc64.ts';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '5' }, 'big-mib': { type: 'string', default: '2048' }, 'part-mib': { type: 'string', default: '16' },
  clients: { type: 'string', default: '32' },
} });
const SECONDS = Number(values.seconds);
const BIG = Number(values['big-mib']) * 1024 * 1024;
const PART = Number(values['part-mib']) * 1024 * 1024;
const CLIENTS = Number(values.clients);
const KEY = { accessKeyId: 'bench-ak', accessKeySecret: 'bench-secret' };
const REGION = 'oss-cn-hangzhou';

interface Child { proc: ChildProcess; endpoint: string; dataDir: string }

async function startServer(): Promise<Child> {
  const dataDir = await mkdtemp(join(tmpdir(), 'oss-bench-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'deploy/local/oss/cli.ts'), '--region', REGION, '--port', '0',
    '--data', dataDir, '--key', `${KEY.accessKeyId}:${KEY.accessKeySecret}`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { proc, endpoint, dataDir };
}

async function stopServer(c: Child): Promise<void> {
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
  await rm(c.dataDir, { recursive: true, force: true });
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 'NaN');
  return Math.round((kb / 1024) * 10) / 10;
}

function client(endpoint: string, bucket?: string): OssClient {
  return createOssClient({ endpoint, region: REGION, ...KEY, bucket, timeoutMs: 120_000 });
}

async function timed(seconds: number, workers: number, job: (worker: number, i: number) => Promise<void>): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; Date.now() < end; i++) {
      await job(w, i);
      done++;
    }
  }));
  return done / ((Date.now() - t0) / 1000);
}

async function smallObjects(): Promise<{ putPerSec: number; getPerSec: number; peakRssMb: number; objects: number }> {
  const srv = await startServer();
  try {
    await client(srv.endpoint).putBucket('bench-small');
    const clients = Array.from({ length: CLIENTS }, () => client(srv.endpoint, 'bench-small'));
    const body = randomBytes(4096);
    const written: number[] = new Array(CLIENTS).fill(0);
    const putPerSec = await timed(SECONDS, CLIENTS, async (w, i) => {
      await clients[w].put(`w${w}/obj-${i}`, body);
      written[w] = i + 1;
    });
    const getPerSec = await timed(SECONDS, CLIENTS, async (w, i) => {
      const r = await clients[w].get(`w${w}/obj-${i % written[w]}`);
      if ((r.content as Buffer).length !== 4096) throw new Error('short read');
    });
    return { putPerSec: Math.round(putPerSec), getPerSec: Math.round(getPerSec), peakRssMb: await peakRssMb(srv.proc.pid as number), objects: written.reduce((a, b) => a + b, 0) };
  } finally {
    await stopServer(srv);
  }
}

async function bigObject(): Promise<Record<string, number | boolean>> {
  const srv = await startServer();
  try {
    const c = client(srv.endpoint, 'bench-big');
    await client(srv.endpoint).putBucket('bench-big');
    const baseRss = await peakRssMb(srv.proc.pid as number);
    const parts = Math.ceil(BIG / PART);
    const init = await c.initMultipartUpload('big.bin');
    const chunk = randomBytes(PART);
    const etags: { number: number; etag: string }[] = [];
    const crcs: { crc: string; len: number }[] = [];
    let next = 1;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next <= parts) {
        const n = next++;
        // Each part differs (first 8 bytes are the part number) so a mixed-up order would show in the CRC.
        const body = Buffer.from(chunk.subarray(0, Math.min(PART, BIG - (n - 1) * PART)));
        body.writeBigUInt64BE(BigInt(n), 0);
        const r = await c.uploadPart('big.bin', init.uploadId, n, body, 0, body.length);
        etags[n - 1] = { number: n, etag: r.etag };
        crcs[n - 1] = { crc: crc64(body), len: body.length };
      }
    }));
    const done = await c.completeMultipartUpload('big.bin', init.uploadId, etags);
    const uploadSec = (Date.now() - t0) / 1000;
    const expected = crcs.reduce((acc, p) => crc64Combine(acc, p.crc, p.len), '0');
    const t1 = Date.now();
    const { stream } = await c.getStream('big.bin');
    const st = crc64Init();
    let size = 0;
    for await (const b of stream as AsyncIterable<Buffer>) {
      crc64UpdateState(st, b);
      size += b.length;
    }
    const readSec = (Date.now() - t1) / 1000;
    return {
      bytes: size, uploadMiBps: Math.round(BIG / 1024 / 1024 / uploadSec), readMiBps: Math.round(BIG / 1024 / 1024 / readSec),
      crcMatches: crc64StateToString(st) === expected && (done.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'] === expected,
      rssBeforeMb: baseRss, peakRssMb: await peakRssMb(srv.proc.pid as number),
    };
  } finally {
    await stopServer(srv);
  }
}

const small = await smallObjects();
const big = await bigObject();
console.log(JSON.stringify({
  smallObject: { sizeBytes: 4096, clients: CLIENTS, seconds: SECONDS, putPerSec: small.putPerSec, getPerSec: small.getPerSec, objects: small.objects, serverPeakRssMb: small.peakRssMb },
  bigObject: { sizeMiB: BIG / 1024 / 1024, partMiB: PART / 1024 / 1024, ...big, under200Mb: (big.peakRssMb as number) < 200 },
}, null, 2));
