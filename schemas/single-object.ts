// Avro single-object encoding framing: magic C3 01, the writer schema's 8-byte little-endian CRC-64-AVRO
// fingerprint, then the Avro binary body.
import { CrrError } from '../core/errors.ts';

export const MAGIC = Buffer.from([0xc3, 0x01]);
export const HEADER_LENGTH = MAGIC.length + 8;

export function frame(fingerprint: Buffer, body: Buffer): Buffer {
  return Buffer.concat([MAGIC, fingerprint, body], HEADER_LENGTH + body.length);
}

/** Splits a single-object message into fingerprint and body (both views, no copy). */
export function unframe(bytes: Buffer): { fingerprint: Buffer; body: Buffer } {
  if (!Buffer.isBuffer(bytes) || bytes.length < HEADER_LENGTH || bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1]) {
    const length = Buffer.isBuffer(bytes) ? bytes.length : undefined;
    const head = Buffer.isBuffer(bytes) ? bytes.subarray(0, 2).toString('hex') : typeof bytes;
    throw new CrrError('not an Avro single-object message', { code: 'NOT_SINGLE_OBJECT', stage: 'decode', context: { length, head } });
  }
  return { fingerprint: bytes.subarray(MAGIC.length, HEADER_LENGTH), body: bytes.subarray(HEADER_LENGTH) };
}
