// Benchmark: one large object (2 GiB by default) through the pipeline, in MB/s from the source PUT acknowledged
// to the replica complete on the destination, beside a raw streaming copy (ali-oss getStream → putStream, same
// servers) in the same run; and the processor's peak RSS (VmHWM). The processor runs as a child process
// (`node bin/crr.js process --config FILE`), the OSS servers too, so each one's memory is its own.
//   node --import tsx bench/large-object.ts [--mib 2048] [--part-mib 16] [--part-concurrency 4]
// Uses KAFKA_BROKERS when set, else starts the local broker on port 19092. Prints one JSON object.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { OssClient } from '../core/adapters/oss/client.ts';
import { round, waitFor } from './lib/measure.ts';
import { setUp } from './lib/setup.ts';

const { values } = parseArgs({ options: {
  mib: { type: 'string', default: '2048' }, 'part-mib': { type: 'string', default: '16' }, 'part-concurrency': { type: 'string', default: '4' },
} });
const size = Number(values.mib) * 1024 * 1024;
const MB = 1e6;

/** `total` bytes of a repeated random 1 MiB block, made as they are read (the benchmark holds no whole object). */
function body(total: number): Readable {
  const block = randomBytes(1024 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(block.length, total - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

/** Peak and current resident set of a process, in MB, from /proc (Linux). */
function memoryOf(pid: number): { peak_rss_mb: number; rss_mb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peak_rss_mb: round(kb('VmHWM') / 1024), rss_mb: round(kb('VmRSS') / 1024) };
}

async function head(client: OssClient, key: string): Promise<Record<string, string> | null> {
  try {
    return (await client.head(key)).res.headers as Record<string, string>;
  } catch {
    return null;
  }
}

const stack = await setUp({ concurrency: 4, processing: false, multipartThresholdBytes: 64 * 1024 * 1024,
  partSizeBytes: Number(values['part-mib']) * 1024 * 1024, partConcurrency: Number(values['part-concurrency']) });
// The processor as `crr process` on the stack's config, so its memory is its own.
const processor = await stack.local.spawnProcessor({ env: { CRR_LOG_LEVEL: 'info' } });

let result: Record<string, unknown> = { benchmark: 'large-object', complete: false };
try {
  if (!(await waitFor(() => processor.output().includes('processing changes'), 60_000, 100))) throw new Error(`the processor did not start:\n${processor.output().slice(-20_000)}`);
  const idle = memoryOf(processor.child.pid!);
  const src = stack.pair.client('source', stack.buckets.src);
  const dst = stack.pair.client('destination', stack.buckets.dst);
  const key = 'large/object.bin';

  // The pipeline: the source PUT, then poll the destination until the replica is complete.
  await src.putStream(key, body(size), { contentLength: size } as never);
  const acked = performance.now();
  const srcHead = await head(src, key);
  let dstHead: Record<string, string> | null = null;
  const complete = await waitFor(async () => (dstHead = await head(dst, key)) !== null, 30 * 60_000, 100);
  const pipelineSeconds = (performance.now() - acked) / 1000;
  const peak = memoryOf(processor.child.pid!);

  // Ceiling: a raw streaming copy of the same object between the same servers.
  const ceilDst = stack.pair.client('destination', stack.buckets.ceilDst);
  const c0 = performance.now();
  const got = await src.getStream(key);
  await ceilDst.putStream(key, got.stream, { contentLength: size } as never);
  const ceilingSeconds = (performance.now() - c0) / 1000;

  const crc = (h: Record<string, string> | null) => h?.['x-oss-hash-crc64ecma'];
  const pipelineRate = size / MB / pipelineSeconds;
  const ceilingRate = size / MB / ceilingSeconds;
  result = {
    benchmark: 'large-object',
    load_average_1m: round(loadavg()[0], 2),
    object_bytes: size, part_bytes: Number(values['part-mib']) * 1024 * 1024, part_concurrency: Number(values['part-concurrency']),
    complete, crc64_matches: complete && crc(srcHead) !== undefined && crc(srcHead) === crc(dstHead),
    pipeline_mb_per_sec: round(pipelineRate), pipeline_seconds: round(pipelineSeconds, 2),
    ceiling_mb_per_sec: round(ceilingRate), ceiling_seconds: round(ceilingSeconds, 2),
    ratio_to_ceiling: round(pipelineRate / ceilingRate, 3),
    processor_idle_rss_mb: idle.rss_mb,
    processor_peak_rss_mb: peak.peak_rss_mb,
    goal: { processor_peak_rss_mb: 256 },
    goal_met: peak.peak_rss_mb < 256,
  };
} finally {
  await processor.stop();
  await stack.tearDown();
}
console.log(JSON.stringify(result, null, 2));
process.exit(result.complete ? 0 : 1);
