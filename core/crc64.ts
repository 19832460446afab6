// CRC-64/ECMA-182 as OSS computes it for x-oss-hash-crc64ecma (the CRC-64/XZ parameters), with
// 32-bit halves and slicing-by-8 tables so multi-GiB bodies hash at memory speed, plus a combine
// for multipart uploads (the crc of A||B from crc(A), crc(B) and len(B)).

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

// tables[k] maps a byte to the crc of that byte followed by k zero bytes, as lo/hi halves.
const LO: Uint32Array[] = [];
const HI: Uint32Array[] = [];
(() => {
  const lo0 = new Uint32Array(256);
  const hi0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let b = 0; b < 8; b++) {
      const odd = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (odd) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    lo0[i] = lo;
    hi0[i] = hi;
  }
  LO.push(lo0);
  HI.push(hi0);
  for (let k = 1; k < 8; k++) {
    const pl = LO[k - 1];
    const ph = HI[k - 1];
    const nl = new Uint32Array(256);
    const nh = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const idx = pl[i] & 0xff;
      nl[i] = (((pl[i] >>> 8) | (ph[i] << 24)) ^ lo0[idx]) >>> 0;
      nh[i] = ((ph[i] >>> 8) ^ hi0[idx]) >>> 0;
    }
    LO.push(nl);
    HI.push(nh);
  }
})();

/** A running crc64; `update` as chunks arrive, `digest` gives the decimal string OSS sends. */
export class Crc64 {
  // Kept inverted (pre-xorout) between chunks.
  private lo = 0xffffffff;
  private hi = 0xffffffff;

  update(chunk: Uint8Array): this {
    let lo = this.lo;
    let hi = this.hi;
    const n = chunk.length;
    let i = 0;
    const [l0, l1, l2, l3, l4, l5, l6, l7] = LO;
    const [h0, h1, h2, h3, h4, h5, h6, h7] = HI;
    for (; i + 8 <= n; i += 8) {
      const a = (lo ^ (chunk[i] | (chunk[i + 1] << 8) | (chunk[i + 2] << 16) | (chunk[i + 3] << 24))) >>> 0;
      const b = (hi ^ (chunk[i + 4] | (chunk[i + 5] << 8) | (chunk[i + 6] << 16) | (chunk[i + 7] << 24))) >>> 0;
      const i0 = a & 0xff, i1 = (a >>> 8) & 0xff, i2 = (a >>> 16) & 0xff, i3 = a >>> 24;
      const i4 = b & 0xff, i5 = (b >>> 8) & 0xff, i6 = (b >>> 16) & 0xff, i7 = b >>> 24;
      lo = (l7[i0] ^ l6[i1] ^ l5[i2] ^ l4[i3] ^ l3[i4] ^ l2[i5] ^ l1[i6] ^ l0[i7]) >>> 0;
      hi = (h7[i0] ^ h6[i1] ^ h5[i2] ^ h4[i3] ^ h3[i4] ^ h2[i5] ^ h1[i6] ^ h0[i7]) >>> 0;
    }
    for (; i < n; i++) {
      const idx = (lo ^ chunk[i]) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ l0[idx]) >>> 0;
      hi = ((hi >>> 8) ^ h0[idx]) >>> 0;
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  digest(): string {
    return ((BigInt((~this.hi) >>> 0) << 32n) | BigInt((~this.lo) >>> 0)).toString();
  }

  static from(crc: string): Crc64 {
    const c = new Crc64();
    const v = BigInt(crc);
    c.lo = (~Number(v & 0xffffffffn)) >>> 0;
    c.hi = (~Number(v >> 32n)) >>> 0;
    return c;
  }
}

/** Continues `crc` (a decimal crc64 of the bytes so far, '0' for none) over `chunk`. */
export function crc64Update(crc: string, chunk: Uint8Array): string {
  return Crc64.from(crc).update(chunk).digest();
}

/** The crc64 of a whole buffer, as OSS's decimal string. */
export function crc64(data: Uint8Array): string {
  return new Crc64().update(data).digest();
}

// Combine works in GF(2) polynomials, bit-reflected: the top bit is x^0. Done with BigInt because
// it runs once per part, not per byte.
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

const X2N: bigint[] = [];
{
  let p = TOP >> 1n; // x^1
  for (let n = 0; n < 64; n++) {
    X2N.push(p);
    p = multModP(p, p);
  }
}

function x2nModP(n: number, k: number): bigint {
  let p = TOP;
  let big = BigInt(n);
  while (big) {
    if (big & 1n) p = multModP(X2N[k & 63], p);
    big >>= 1n;
    k++;
  }
  return p;
}

/** crc64 of A followed by B, given crc64(A), crc64(B) and B's length in bytes. */
export function crc64Combine(crcA: string, crcB: string, lengthB: number): string {
  if (lengthB === 0) return BigInt(crcA).toString();
  const a = BigInt(crcA);
  return (multModP(x2nModP(lengthB, 3), a) ^ BigInt(crcB)).toString();
}
