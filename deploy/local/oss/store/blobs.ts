// Object bodies on disk: streamed to a temp file while hashing (MD5 + CRC-64), then renamed into place,
// so a body is never in memory and never visible half-written. Files are opened synchronously by readers,
// which makes a later unlink (overwrite, delete) harmless to a read already under way.
import { closeSync, createReadStream, createWriteStream, openSync, readSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc64Init, crc64StateToString, crc64UpdateState, crc64Combine } from '../../../../core/crc64.ts';
import { PackWriter, parsePackId } from './packs.ts';

export interface BlobInfo { id: string; size: number; md5: Buffer; crc64: string }

export class BlobStore {
  readonly dir: string;
  readonly tmpDir: string;
  readonly packs: PackWriter;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blobs');
    this.tmpDir = join(dataDir, 'tmp');
    this.packs = new PackWriter(join(dataDir, 'packs'));
  }

  /** Stores a small body (already in memory) in the current pack; returns its blob id. */
  writeSmall(buf: Buffer): Promise<string> {
    return this.packs.append(buf);
  }

  async init(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(this.dir, { recursive: true });
  }

  /** The file holding a blob (a pack file for packed blobs, which start at a non-zero offset). */
  path(id: string): string {
    const p = parsePackId(id);
    if (p) return this.packs.packPath(p.pack);
    return join(this.dir, id.slice(0, 2), id);
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  tmpPath(): string {
    return join(this.tmpDir, randomBytes(12).toString('hex'));
  }

  /** Streams `src` to a temp file, hashing it; returns the hashes and the temp path (not yet committed). */
  async receive(src: Readable, dest?: { path: string; start: number }): Promise<{ path: string; size: number; md5: Buffer; crc64: string }> {
    const path = dest?.path ?? this.tmpPath();
    const destPath = dest?.path;
    const md5 = createHash('md5');
    const crc = crc64Init();
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        crc64UpdateState(crc, chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(src, hasher, dest ? createWriteStream(path, { flags: 'r+', start: dest.start }) : createWriteStream(path));
    } catch (err) {
      if (!destPath) await rm(path, { force: true });
      throw err;
    }
    return { path, size, md5: md5.digest(), crc64: crc64StateToString(crc) };
  }

  /** Moves a received temp file into the blob area under a fresh id. */
  async commit(tmp: string): Promise<string> {
    const id = this.newId();
    const dest = this.path(id);
    try {
      await rename(tmp, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(join(this.dir, id.slice(0, 2)), { recursive: true });
      await rename(tmp, dest);
    }
    return id;
  }

  async write(src: Readable): Promise<BlobInfo> {
    const r = await this.receive(src);
    return { id: await this.commit(r.path), size: r.size, md5: r.md5, crc64: r.crc64 };
  }

  /** Read descriptors of pack files, kept open: packs are append-only and only removed at start. */
  private readonly packFds = new Map<number, number>();

  /** Opens now (synchronously) and streams bytes [start, end]; an empty range gives an empty stream. */
  openRange(id: string, start: number, endInclusive: number): Readable {
    if (endInclusive < start) return Readable.from([]);
    const packed = parsePackId(id);
    if (packed) {
      // Packed bodies are small: one positioned read from a kept descriptor, instead of open + stream + close.
      let fd = this.packFds.get(packed.pack);
      if (fd === undefined) {
        fd = openSync(this.path(id), 'r');
        this.packFds.set(packed.pack, fd);
      }
      const buf = Buffer.allocUnsafe(endInclusive - start + 1);
      const n = readSync(fd, buf, 0, buf.length, packed.offset + start);
      const body = new Readable({ read() {} });
      body.push(n === buf.length ? buf : buf.subarray(0, n));
      body.push(null);
      return body;
    }
    const fd = openSync(this.path(id), 'r');
    return createReadStream('', { fd, start, end: endInclusive, highWaterMark: 256 * 1024, autoClose: true });
  }

  closeReaders(): void {
    for (const fd of this.packFds.values()) closeSync(fd);
    this.packFds.clear();
  }

  /** Copies bytes [0, size) of a blob into a new blob (works while the source is appended to or unlinked). */
  async copy(id: string, size: number): Promise<string> {
    if (size <= 512 * 1024) {
      const chunks: Buffer[] = [];
      for await (const c of this.openRange(id, 0, size - 1) as AsyncIterable<Buffer>) chunks.push(c);
      return this.writeSmall(Buffer.concat(chunks));
    }
    return (await this.write(this.openRange(id, 0, size - 1))).id;
  }

  /** Concatenates files (multipart parts) into a new blob; CRCs are combined rather than recomputed. */
  async concat(paths: { path: string; size: number; crc64: string }[]): Promise<{ id: string; size: number; crc64: string }> {
    const tmp = this.tmpPath();
    let crc = '0';
    let size = 0;
    for (const [i, p] of paths.entries()) {
      await pipeline(createReadStream(p.path, { highWaterMark: 1024 * 1024 }), createWriteStream(tmp, { flags: i === 0 ? 'w' : 'a' }));
      crc = crc64Combine(crc, p.crc64, p.size);
      size += p.size;
    }
    if (paths.length === 0) await pipeline(async function* () { /* empty */ }, createWriteStream(tmp));
    return { id: await this.commit(tmp), size, crc64: crc };
  }

  remove(id: string | undefined): void {
    // Packed bodies stay until their whole pack is unreferenced at a restart.
    if (!id || parsePackId(id)) return;
    rm(this.path(id), { force: true }).catch(() => undefined);
  }

  /** Deletes blob files and packs that no version references (left by a crash between write and commit). */
  async sweep(referenced: Set<string>): Promise<number> {
    const packs = new Set<number>();
    for (const id of referenced) {
      const p = parsePackId(id);
      if (p) packs.add(p.pack);
    }
    await this.packs.init(packs);
    let removed = 0;
    for (const sub of await readdir(this.dir).catch(() => [] as string[])) {
      for (const f of await readdir(join(this.dir, sub)).catch(() => [] as string[])) {
        if (!referenced.has(f)) {
          await rm(join(this.dir, sub, f), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
