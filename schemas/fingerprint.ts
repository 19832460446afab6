// CRC-64-AVRO, the 64-bit Rabin fingerprint the Avro spec defines for schemas, and the fingerprint of a
// schema (over the UTF-8 bytes of its Parsing Canonical Form), as the 8 little-endian bytes the wire carries.
import { canonicalForm } from './canonical-form.ts';

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE = (() => {
  const table = new BigUint64Array(256);
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
    table[i] = fp;
  }
  return table;
})();

/** CRC-64-AVRO of some bytes: 8 bytes, little-endian (the order single-object encoding writes). */
export function crc64Avro(bytes: Uint8Array): Buffer {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}

/** Fingerprint of a schema: CRC-64-AVRO of its Parsing Canonical Form. */
export function schemaFingerprint(schema: object | string): Buffer {
  return crc64Avro(Buffer.from(canonicalForm(schema), 'utf8'));
}
