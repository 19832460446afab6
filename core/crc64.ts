// CRC-64/ECMA-182 exactly as OSS computes it for `x-oss-hash-crc64ecma` (CRC-64/XZ: reflected, init and
// xorout all ones). The hot loop is slicing-by-16 over two 32-bit halves, reading the input as 32-bit words;
// BigInt only at the API edges. (Every byte an OSS server stores or a copy verifies passes through here.)

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;
const SLICES = 16;

// T[k] for k = 0..15, 256 entries each, interleaved: TABLE[2 * (k * 256 + i)] is the high 32-bit word and
// TABLE[2 * (k * 256 + i) + 1] the low one (one cache line holds both halves of an entry).
const TABLE = new Int32Array(SLICES * 256 * 2);

(function buildTables() {
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let b = 0; b < 8; b++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    TABLE[2 * i] = hi;
    TABLE[2 * i + 1] = lo;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const phi = TABLE[2 * ((k - 1) * 256 + i)] >>> 0;
      const plo = TABLE[2 * ((k - 1) * 256 + i) + 1] >>> 0;
      const idx = plo & 0xff;
      TABLE[2 * (k * 256 + i)] = (phi >>> 8) ^ TABLE[2 * idx];
      TABLE[2 * (k * 256 + i) + 1] = ((plo >>> 8) | (phi << 24)) ^ TABLE[2 * idx + 1];
    }
  }
})();

/** Word reads assume a little-endian host (x86, ARM); elsewhere the byte-at-a-time loop does all the work. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A running CRC in its final (post-xor) form, kept as two 32-bit halves. */
export interface Crc64State {
  hi: number;
  lo: number;
}

export function crc64Init(): Crc64State {
  return { hi: 0, lo: 0 };
}

/** Feeds `chunk` into `state` in place and returns it (fast path for streams). */
export function crc64UpdateState(state: Crc64State, chunk: Uint8Array): Crc64State {
  let hi = ~state.hi;
  let lo = ~state.lo;
  const n = chunk.length;
  let i = 0;
  // Bytes up to a 4-byte boundary, one at a time, so the block loop can read aligned 32-bit words.
  const head = LITTLE_ENDIAN ? Math.min(n, (4 - (chunk.byteOffset & 3)) & 3) : n;
  for (; i < head; i++) {
    const idx = (lo ^ chunk[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE[2 * idx + 1];
    hi = (hi >>> 8) ^ TABLE[2 * idx];
  }
  const blocks = LITTLE_ENDIAN ? (n - i) >>> 4 : 0;
  if (blocks > 0) {
    const w = new Int32Array(chunk.buffer, chunk.byteOffset + i, blocks * 4);
    const T = TABLE;
    for (let j = 0; j < w.length; j += 4) {
      const l = lo ^ w[j];
      const h = hi ^ w[j + 1];
      const l2 = w[j + 2];
      const h2 = w[j + 3];
      const a0 = (15 * 256 + (l & 0xff)) << 1, a1 = (14 * 256 + ((l >>> 8) & 0xff)) << 1;
      const a2 = (13 * 256 + ((l >>> 16) & 0xff)) << 1, a3 = (12 * 256 + (l >>> 24)) << 1;
      const b0 = (11 * 256 + (h & 0xff)) << 1, b1 = (10 * 256 + ((h >>> 8) & 0xff)) << 1;
      const b2 = (9 * 256 + ((h >>> 16) & 0xff)) << 1, b3 = (8 * 256 + (h >>> 24)) << 1;
      const c0 = (7 * 256 + (l2 & 0xff)) << 1, c1 = (6 * 256 + ((l2 >>> 8) & 0xff)) << 1;
      const c2 = (5 * 256 + ((l2 >>> 16) & 0xff)) << 1, c3 = (4 * 256 + (l2 >>> 24)) << 1;
      const d0 = (3 * 256 + (h2 & 0xff)) << 1, d1 = (2 * 256 + ((h2 >>> 8) & 0xff)) << 1;
      const d2 = (256 + ((h2 >>> 16) & 0xff)) << 1, d3 = (h2 >>> 24) << 1;
      hi = T[a0] ^ T[a1] ^ T[a2] ^ T[a3] ^ T[b0] ^ T[b1] ^ T[b2] ^ T[b3] ^ T[c0] ^ T[c1] ^ T[c2] ^ T[c3] ^ T[d0] ^ T[d1] ^ T[d2] ^ T[d3];
      lo = T[a0 + 1] ^ T[a1 + 1] ^ T[a2 + 1] ^ T[a3 + 1] ^ T[b0 + 1] ^ T[b1 + 1] ^ T[b2 + 1] ^ T[b3 + 1]
        ^ T[c0 + 1] ^ T[c1 + 1] ^ T[c2 + 1] ^ T[c3 + 1] ^ T[d0 + 1] ^ T[d1 + 1] ^ T[d2 + 1] ^ T[d3 + 1];
    }
    i += blocks * 16;
  }
  for (; i < n; i++) {
    const idx = (lo ^ chunk[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE[2 * idx + 1];
    hi = (hi >>> 8) ^ TABLE[2 * idx];
  }
  state.hi = ~hi >>> 0;
  state.lo = ~lo >>> 0;
  return state;
}

export function crc64StateToBigInt(state: Crc64State): bigint {
  return (BigInt(state.hi) << 32n) | BigInt(state.lo);
}

/** The decimal string OSS puts in `x-oss-hash-crc64ecma`. */
export function crc64StateToString(state: Crc64State): string {
  return crc64StateToBigInt(state).toString();
}

export function crc64StateFromString(value: string): Crc64State {
  const v = BigInt(value);
  return { hi: Number((v >> 32n) & 0xffffffffn), lo: Number(v & 0xffffffffn) };
}

/** Incremental form on decimal strings: `crc64Update('0', a)` then `crc64Update(prev, b)` equals the CRC of a‖b. */
export function crc64Update(state: string, chunk: Uint8Array): string {
  return crc64StateToString(crc64UpdateState(crc64StateFromString(state), chunk));
}

/** CRC of one buffer, as OSS's decimal string. */
export function crc64(data: Uint8Array | string): string {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return crc64StateToString(crc64UpdateState(crc64Init(), buf));
}

// Combining works in GF(2) polynomial arithmetic (zlib's multmodp / x2nmodp, widened to 64 bits); it runs
// once per part, so BigInt is fine here.
const POLY = 0xc96c5795d7870f42n;
const TOP = 1n << 63n;

function multModP(a: bigint, b: bigint): bigint {
  let m = TOP;
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ POLY : b >> 1n;
  }
  return p;
}

const X2N: bigint[] = (() => {
  const t: bigint[] = [];
  let p = 1n << 62n; // x^1
  t.push(p);
  for (let n = 1; n < 64; n++) t.push((p = multModP(p, p)));
  return t;
})();

function x2nModP(n: bigint, k: number): bigint {
  let p = TOP; // x^0
  while (n > 0n) {
    if (n & 1n) p = multModP(X2N[k & 63], p);
    n >>= 1n;
    k++;
  }
  return p;
}

/** CRC of A‖B from crc(A), crc(B) and the byte length of B (decimal strings in and out, like OSS). */
export function crc64Combine(crcA: string, crcB: string, lengthB: number | bigint): string {
  const len = BigInt(lengthB);
  if (len === 0n) return BigInt(crcA).toString();
  return (multModP(x2nModP(len, 3), BigInt(crcA)) ^ BigInt(crcB)).toString();
}
