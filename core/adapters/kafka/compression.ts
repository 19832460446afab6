// Which codec a produce request gets. zstd costs a fixed ~70 µs per record batch (a fresh compression
// context per call, measured with @mongodb-js/zstd 1.2.2 at 200 B to 8 KiB alike) and kafkajs compresses one
// batch per partition, so a request of a few small records spread over 12 partitions paid more in zstd
// calls than in everything else it did. Small requests go uncompressed; every Kafka client reads both.
import kafkajs from 'kafkajs';

const { CompressionTypes } = kafkajs;

/** Below this many bytes of keys and values in one request, compression saves little and costs a call per partition. */
export const COMPRESS_FROM_BYTES = 16 * 1024;

/** A record's bytes as the request carries them (a bus record or a kafkajs message). */
interface Sized { key?: string | Buffer | null; value?: string | Buffer | null }

export function compressionFor(records: Iterable<Sized>): number {
  let bytes = 0;
  for (const r of records) {
    bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    if (bytes >= COMPRESS_FROM_BYTES) return CompressionTypes.ZSTD;
  }
  return CompressionTypes.None;
}
