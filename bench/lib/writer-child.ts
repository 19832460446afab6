// The benchmark's workload in a process of its own: PUTs `count` objects of `bytes` random bytes through
// ali-oss (as a user's application would), `concurrency` at a time, under keyOf(prefix, i). Run apart so that
// the CPU it spends is measured apart from capture and processing. It prints `ready`, starts on a line from
// stdin, and prints {"seconds": s, "cpuMs": ms} (the CPU of the writing alone, not of starting up) when done.
//   node --import tsx bench/lib/writer-child.ts '<json WriterJob>'
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createOssClient } from '../../core/adapters/oss/client.ts';
import { pool } from './measure.ts';

export interface WriterJob {
  /** An ali-oss endpoint with its addressing (LocalRegion.clientEndpoint and .addressing). */
  endpoint: string;
  addressing: 'virtual-hosted' | 'path';
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  bucket: string;
  prefix: string;
  count: number;
  concurrency: number;
  bytes: number;
}

/** 64 sub-prefixes, so keys spread over partitions the way real key spaces do. */
export const keyOf = (prefix: string, i: number) => `${prefix}${(i % 64).toString(16).padStart(2, '0')}/object-${i}.bin`;

if (process.argv[1]?.endsWith('writer-child.ts')) {
  const job = JSON.parse(process.argv[2]) as WriterJob;
  const client = createOssClient({ endpoint: job.endpoint, region: job.region, accessKeyId: job.accessKeyId, accessKeySecret: job.accessKeySecret,
    bucket: job.bucket, timeoutMs: 600_000, addressing: job.addressing });
  const body = randomBytes(job.bytes);
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  const cpu0 = process.cpuUsage();
  const seconds = await pool(job.count, job.concurrency, (i) => client.put(keyOf(job.prefix, i), body));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ seconds, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  process.exit(0);
}
