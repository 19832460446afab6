// Reads Kafka log segment files straight from the broker's log dir, to check what the broker stored
// (e.g. the compression codec of each record batch), independent of any client.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredBatch { baseOffset: bigint; records: number; compression: number }

/** The compression codec ids in batch attributes (bits 0-2): 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
export const ZSTD = 4;

export function storedBatches(logDirs: string, topic: string, partition: number): StoredBatch[] {
  const dir = join(logDirs, `${topic}-${partition}`);
  if (!existsSync(dir)) throw new Error(`no log dir for ${topic}-${partition} under ${logDirs}`);
  const batches: StoredBatch[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const buf = readFileSync(join(dir, name));
    let pos = 0;
    // Record batch v2 header: baseOffset i64, batchLength i32, leaderEpoch i32, magic i8, crc u32, attributes i16,
    // lastOffsetDelta i32, baseTimestamp i64, maxTimestamp i64, producerId i64, producerEpoch i16, baseSequence i32, count i32.
    while (pos + 61 <= buf.length) {
      const baseOffset = buf.readBigInt64BE(pos);
      const batchLength = buf.readInt32BE(pos + 8);
      if (batchLength <= 0) break;
      const attributes = buf.readInt16BE(pos + 21);
      const records = buf.readInt32BE(pos + 57);
      batches.push({ baseOffset, records, compression: attributes & 0x07 });
      pos += 12 + batchLength;
    }
  }
  return batches;
}
