// Kafka's default partitioner, as the Java client computes it: murmur2 of the key bytes (seed
// 0x9747b28c), made positive, modulo the partition count. Pure, so any process can predict a key's partition.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** The 32-bit murmur2 hash of `data`, as a signed int like Java's `Utils.murmur2`. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    let k = data.readInt32LE(i * 4);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = blocks * 4;
  const tail = length & 3;
  if (tail === 3) h ^= data[rest + 2] << 16;
  if (tail >= 2) h ^= data[rest + 1] << 8;
  if (tail >= 1) {
    h ^= data[rest];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client's default partitioner picks for a keyed record. */
export function partitionForKey(key: string | Buffer, partitions: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}
