// Metadata durability: an append-only JSON-lines journal (group-committed, in commit order) on top of a
// compacted snapshot. At start the snapshot and journal are replayed, then folded into a new snapshot.
import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export type JournalEntry =
  | { t: 'bucket'; b: string; r: unknown | null }
  | { t: 'key'; b: string; k: string; r: unknown | null };

export class Journal {
  private fh?: FileHandle;
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private writing?: Promise<void>;

  constructor(private readonly dir: string) {}

  private get snapshotPath(): string {
    return join(this.dir, 'snapshot.jsonl');
  }

  private get journalPath(): string {
    return join(this.dir, 'journal.jsonl');
  }

  /** Replays snapshot then journal through `apply` (a torn last line from a crash is skipped). */
  async replay(apply: (e: JournalEntry) => void): Promise<void> {
    for (const path of [this.snapshotPath, this.journalPath]) {
      const stream = createReadStream(path, { encoding: 'utf8' });
      try {
        await new Promise<void>((resolve, reject) => { stream.once('open', () => resolve()); stream.once('error', reject); });
      } catch {
        continue;
      }
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        if (!line) continue;
        try {
          apply(JSON.parse(line) as JournalEntry);
        } catch {
          // torn write at the tail
        }
      }
    }
  }

  /** Writes `entries` as the new snapshot and starts an empty journal. */
  async compact(entries: Iterable<JournalEntry>): Promise<void> {
    const tmp = `${this.snapshotPath}.tmp`;
    const fh = await open(tmp, 'w');
    let buf: string[] = [];
    for (const e of entries) {
      buf.push(JSON.stringify(e));
      if (buf.length >= 1000) {
        await fh.write(`${buf.join('\n')}\n`);
        buf = [];
      }
    }
    if (buf.length) await fh.write(`${buf.join('\n')}\n`);
    await fh.sync();
    await fh.close();
    await rename(tmp, this.snapshotPath);
    await rm(this.journalPath, { force: true });
    this.fh = await open(this.journalPath, 'a');
  }

  /** Appends one entry; resolves once it (and everything before it) is written. */
  append(entry: JournalEntry): Promise<void> {
    this.pending.push(JSON.stringify(entry));
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.writing) this.writing = this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (!this.fh) throw new Error('journal is closed');
        await this.fh.write(`${lines.join('\n')}\n`);
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.writing = undefined;
  }

  async close(): Promise<void> {
    while (this.writing) await this.writing;
    await this.fh?.close();
    this.fh = undefined;
  }
}
