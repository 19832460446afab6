// A bucket listing kept on disk as JSON lines, in the order OSS lists (key bytes, then newest version
// first), so a poll can merge-join it with the next listing in constant memory.
import { createReadStream, createWriteStream, existsSync, renameSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { ListedObject } from '../../core/ports/object-store.ts';

export type SnapshotEntry = Pick<ListedObject, 'key' | 'etag' | 'size' | 'lastModified'> & { versionId: string | null; isDeleteMarker: boolean };

export function toEntry(o: ListedObject): SnapshotEntry {
  return { key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified, versionId: o.versionId ?? null, isDeleteMarker: o.isDeleteMarker ?? false };
}

export async function* readSnapshot(file: string): AsyncGenerator<SnapshotEntry> {
  if (!existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const [key, versionId, etag, size, lastModified, marker] = JSON.parse(line) as [string, string | null, string, number, number, 0 | 1];
    yield { key, versionId, etag, size, lastModified, isDeleteMarker: marker === 1 };
  }
}

/** Writes a new snapshot beside the old one; `commit` swaps it in atomically, `discard` leaves the old one. */
export class SnapshotWriter {
  private readonly out: WriteStream;
  private readonly tmp: string;

  constructor(private readonly file: string) {
    this.tmp = `${file}.next`;
    this.out = createWriteStream(this.tmp, 'utf8');
  }

  async write(e: SnapshotEntry): Promise<void> {
    const line = JSON.stringify([e.key, e.versionId, e.etag, e.size, e.lastModified, e.isDeleteMarker ? 1 : 0]) + '\n';
    if (!this.out.write(line)) await once(this.out, 'drain');
  }

  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    renameSync(this.tmp, this.file);
  }

  discard(): void {
    this.out.destroy();
  }
}
