// Keys kept in UTF-8 byte order (how OSS lists them), with binary search for markers and prefixes.

export class SortedKeys {
  private readonly keys: string[] = [];
  private readonly bytes: Buffer[] = [];

  get size(): number {
    return this.keys.length;
  }

  at(i: number): string {
    return this.keys[i];
  }

  /** Index of the first key whose bytes are >= `b` (or > when `strict`). */
  lowerBound(b: Buffer, strict = false): number {
    let lo = 0;
    let hi = this.bytes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = Buffer.compare(this.bytes[mid], b);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(key: string): boolean {
    const b = Buffer.from(key);
    const i = this.lowerBound(b);
    return i < this.keys.length && this.keys[i] === key;
  }

  insert(key: string): void {
    const b = Buffer.from(key);
    const i = this.lowerBound(b);
    if (i < this.keys.length && this.keys[i] === key) return;
    this.keys.splice(i, 0, key);
    this.bytes.splice(i, 0, b);
  }

  remove(key: string): void {
    const i = this.lowerBound(Buffer.from(key));
    if (i < this.keys.length && this.keys[i] === key) {
      this.keys.splice(i, 1);
      this.bytes.splice(i, 1);
    }
  }
}
