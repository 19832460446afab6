// CRC-64/ECMA-182 exactly as OSS computes it for `x-oss-hash-crc64ecma` (CRC-64/XZ: reflected, init and
// xorout all ones). Hot loop is slicing-by-8 over two 32-bit halves; BigInt only at the API edges.

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

// T[k] for k = 0..7, each 256 entries, split into high and low 32-bit words.
const TABLE_HI = new Uint32Array(8 * 256);
const TABLE_LO = new Uint32Array(8 * 256);

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
    TABLE_HI[i] = hi;
    TABLE_LO[i] = lo;
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const phi = TABLE_HI[(k - 1) * 256 + i];
      const plo = TABLE_LO[(k - 1) * 256 + i];
      const idx = plo & 0xff;
      TABLE_HI[k * 256 + i] = ((phi >>> 8) ^ TABLE_HI[idx]) >>> 0;
      TABLE_LO[k * 256 + i] = (((plo >>> 8) | (phi << 24)) ^ TABLE_LO[idx]) >>> 0;
    }
  }
})();

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
  let hi = ~state.hi >>> 0;
  let lo = ~state.lo >>> 0;
  const n = chunk.length;
  let i = 0;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const l = (lo ^ (chunk[i] | (chunk[i + 1] << 8) | (chunk[i + 2] << 16) | (chunk[i + 3] << 24))) >>> 0;
    const h = (hi ^ (chunk[i + 4] | (chunk[i + 5] << 8) | (chunk[i + 6] << 16) | (chunk[i + 7] << 24))) >>> 0;
    const a0 = 7 * 256 + (l & 0xff), a1 = 6 * 256 + ((l >>> 8) & 0xff), a2 = 5 * 256 + ((l >>> 16) & 0xff), a3 = 4 * 256 + (l >>> 24);
    const b0 = 3 * 256 + (h & 0xff), b1 = 2 * 256 + ((h >>> 8) & 0xff), b2 = 256 + ((h >>> 16) & 0xff), b3 = h >>> 24;
    hi = (TABLE_HI[a0] ^ TABLE_HI[a1] ^ TABLE_HI[a2] ^ TABLE_HI[a3] ^ TABLE_HI[b0] ^ TABLE_HI[b1] ^ TABLE_HI[b2] ^ TABLE_HI[b3]) >>> 0;
    lo = (TABLE_LO[a0] ^ TABLE_LO[a1] ^ TABLE_LO[a2] ^ TABLE_LO[a3] ^ TABLE_LO[b0] ^ TABLE_LO[b1] ^ TABLE_LO[b2] ^ TABLE_LO[b3]) >>> 0;
  }
  for (; i < n; i++) {
    const idx = (lo ^ chunk[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]) >>> 0;
    hi = ((hi >>> 8) ^ TABLE_HI[idx]) >>> 0;
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
