// Benchmark: CRC-64/ECMA (core/crc64.ts) throughput, which bounds how fast an OSS server here can store bytes
// and a copy can be verified, beside its ceiling in the same run: MD5 of the same bytes through Node's native
// crypto (OpenSSL), the other hash every PUT computes.
//   node --import tsx bench/crc64.ts [--mib 256]
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { crc64Init, crc64UpdateState } from '../core/crc64.ts';
import { round } from './lib/measure.ts';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' } } });
const mib = Number(values.mib);
const chunk = randomBytes(1 << 20);
// 64 KiB slices at odd offsets, as a socket hands them over, besides whole 1 MiB chunks.
const slices = Array.from({ length: 16 }, (_, i) => chunk.subarray(i * 65536 + (i % 4), (i + 1) * 65536 - 1));

function mbPerSec(run: () => void): number {
  run(); // warm-up
  const t0 = performance.now();
  run();
  return round(mib / ((performance.now() - t0) / 1000), 0);
}

const crcWhole = mbPerSec(() => { const s = crc64Init(); for (let i = 0; i < mib; i++) crc64UpdateState(s, chunk); });
const crcSliced = mbPerSec(() => { const s = crc64Init(); for (let i = 0; i < mib; i++) for (const part of slices) crc64UpdateState(s, part); });
const md5 = mbPerSec(() => { for (let i = 0; i < mib; i++) createHash('md5').update(chunk).digest(); });
console.log(JSON.stringify({ benchmark: 'crc64', mib, crc64_mb_per_sec: crcWhole, crc64_unaligned_64k_slices_mb_per_sec: crcSliced,
  ceiling_md5_native_mb_per_sec: md5, ratio_to_md5: round(crcWhole / md5, 2) }, null, 2));
