// A bucket listing as the poller keeps it: JSON lines in the order OSS lists (key bytes, then newest version
// first), cut into chunks of at most CHUNK_BYTES, so a poll can merge-join it with the next listing, and the
// snapshot store can keep each chunk as one record in the compacted state topic.
import type { ListedObject } from '../../core/ports/object-store.ts';

export type SnapshotEntry = Pick<ListedObject, 'key' | 'etag' | 'size' | 'lastModified'> & { versionId: string | null; isDeleteMarker: boolean };

/** Under the broker's default message.max.bytes (1 MiB) with room to spare, before compression. */
export const CHUNK_BYTES = 256 * 1024;

export function toEntry(o: ListedObject): SnapshotEntry {
  return { key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified, versionId: o.versionId ?? null, isDeleteMarker: o.isDeleteMarker ?? false };
}

export async function* readSnapshot(chunks: readonly Buffer[]): AsyncGenerator<SnapshotEntry> {
  for (const chunk of chunks) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      const [key, versionId, etag, size, lastModified, marker] = JSON.parse(line) as [string, string | null, string, number, number, 0 | 1];
      yield { key, versionId, etag, size, lastModified, isDeleteMarker: marker === 1 };
    }
  }
}

/** Builds a new snapshot as the listing streams; the chunks are whole lines. */
export class SnapshotWriter {
  readonly chunks: Buffer[] = [];
  entries = 0;
  private lines: string[] = [];
  private bytes = 0;

  write(e: SnapshotEntry): void {
    const line = JSON.stringify([e.key, e.versionId, e.etag, e.size, e.lastModified, e.isDeleteMarker ? 1 : 0]) + '\n';
    const size = Buffer.byteLength(line);
    if (this.bytes + size > CHUNK_BYTES && this.lines.length) this.cut();
    this.lines.push(line);
    this.bytes += size;
    this.entries++;
  }

  private cut(): void {
    this.chunks.push(Buffer.from(this.lines.join(''), 'utf8'));
    this.lines = [];
    this.bytes = 0;
  }

  /** The snapshot's chunks, the last one included. */
  finish(): Buffer[] {
    if (this.lines.length) this.cut();
    return this.chunks;
  }
}
