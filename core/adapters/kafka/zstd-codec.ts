// Registers zstd (@mongodb-js/zstd) as kafkajs's ZSTD codec, for producers and consumers alike.
import kafkajs from 'kafkajs';
import { compress, decompress } from '@mongodb-js/zstd';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** zstd level 3 is the library default: a good ratio at a small CPU cost. */
const LEVEL = 3;

let registered = false;

export function registerZstd(): void {
  if (registered) return;
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(encoder.buffer, LEVEL),
    decompress: async (buffer: Buffer) => decompress(buffer),
  });
  registered = true;
}
