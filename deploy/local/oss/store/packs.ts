// Small bodies go into append-only pack files instead of one file each: creating a file costs more than
// the write itself, so packing multiplies small-object PUT throughput. Writes are group-committed in order.
// A pack blob id is `pack.<n>.<offset>.<length>`; packs are removed at start when nothing refers to them.
import { open, readdir, rm, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export const PACK_PREFIX = 'pack.';
const PACK_LIMIT = 1024 ** 3;

export function parsePackId(id: string): { pack: number; offset: number; length: number } | null {
  if (!id.startsWith(PACK_PREFIX)) return null;
  const [, pack, offset, length] = id.split('.');
  return { pack: Number(pack), offset: Number(offset), length: Number(length) };
}

export class PackWriter {
  private fh?: FileHandle;
  private pack = 0;
  private size = 0;
  private queue: { buf: Buffer; resolve: (id: string) => void; reject: (e: unknown) => void }[] = [];
  private writing = false;

  constructor(readonly dir: string) {}

  packPath(n: number): string {
    return join(this.dir, `${n}.pack`);
  }

  /** Starts a fresh pack after the highest existing one, removing packs nothing references. */
  async init(referencedPacks: Set<number>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    let max = 0;
    for (const f of await readdir(this.dir)) {
      const n = Number(f.replace(/\.pack$/, ''));
      if (!Number.isInteger(n)) continue;
      max = Math.max(max, n);
      if (!referencedPacks.has(n)) await rm(join(this.dir, f), { force: true });
    }
    await this.roll(max + 1);
  }

  private async roll(n: number): Promise<void> {
    await this.fh?.close();
    this.pack = n;
    this.size = 0;
    this.fh = await open(this.packPath(n), 'a');
  }

  append(buf: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ buf, resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length) {
      if (this.size > PACK_LIMIT) await this.roll(this.pack + 1);
      const batch = this.queue.splice(0, 256);
      const start = this.size;
      try {
        await (this.fh as FileHandle).writev(batch.map((b) => b.buf));
        let at = start;
        for (const b of batch) {
          b.resolve(`${PACK_PREFIX}${this.pack}.${at}.${b.buf.length}`);
          at += b.buf.length;
        }
        this.size = at;
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.writing = false;
  }

  async close(): Promise<void> {
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    await this.fh?.close();
    this.fh = undefined;
  }
}
